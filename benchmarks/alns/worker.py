"""Run one method on one instance in this process: ``python -m benchmarks.alns.worker METHOD MPS T SEED OUT``.

Libraries are imported first, then the clock starts, then the instance is read by the method itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks.alns.mps_check import read_mps
from benchmarks.alns.recorder import Recorder

from optmodel.parent_death import end_with_parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("method", choices=["highs", "alns", "lns", "scip", "cpsat", "balans"])
    parser.add_argument("instance", type=Path)
    parser.add_argument("time_limit", type=float)
    parser.add_argument("seed", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--options", default="{}", help="JSON options (ALNS solver_options)")
    args = parser.parse_args(argv)
    # It runs in a session of its own (killed as a group at its deadline): end it with whoever started it.
    end_with_parent(os.getppid())
    model = read_mps(args.instance)  # for the objective sense and Balans's objective values
    if args.method == "balans":
        from benchmarks.alns import balans_method

        balans_method.prepare()
        rec = Recorder(args.out, model.maximize)
        rec.start()
        extra = balans_method.run_balans(args.instance, args.time_limit, args.seed, rec, model)
    else:
        from benchmarks.alns.methods import METHODS, prepare

        prepare(args.method)
        rec = Recorder(args.out, model.maximize)
        rec.start()
        extra = METHODS[args.method](
            args.instance, args.time_limit, args.seed, rec, json.loads(args.options)
        )
    rec.finish(str(extra.get("status", "")), extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
