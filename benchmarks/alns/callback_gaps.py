"""Where plain HiGHS calls no callback, and whether it keeps its own time limit there.

    python -m benchmarks.alns.callback_gaps INSTANCE.mps --time-limit 20 --seed 0

One thread, HiGHS's own ``time_limit``; every MIP callback (interrupt, user solution, improving
solution) is timed. HiGHS checks its time limit where it calls the interrupt callback, so a long
stretch without callbacks is a stretch where neither a deadline nor an interrupt can stop it: the
run's overrun past ``--time-limit`` shows how far.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

#: Stretches without a callback shorter than this are not listed.
MIN_GAP = 0.8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("instance", type=Path)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import highspy

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", args.seed)
    highs.readModel(str(args.instance))
    highs.setOptionValue("time_limit", args.time_limit)
    began = time.perf_counter()
    calls: list[float] = []

    def called(event: Any) -> None:
        calls.append(time.perf_counter() - began)

    for callback in (highs.cbMipInterrupt, highs.cbMipUserSolution, highs.cbMipImprovingSolution):
        callback.subscribe(called)
    load_before = os.getloadavg()
    highs.run()
    wall = time.perf_counter() - began
    gaps, previous = [], 0.0
    for at in [*calls, wall]:
        if at - previous >= MIN_GAP:
            gaps.append({"from": round(previous, 2), "seconds": round(at - previous, 2)})
        previous = at
    print(
        json.dumps(
            {
                "instance": args.instance.name,
                "time_limit": args.time_limit,
                "wall": round(wall, 2),
                "overrun": round(wall - args.time_limit, 2),
                "status": highs.modelStatusToString(highs.getModelStatus()),
                "callbacks": len(calls),
                "gaps_without_callback": gaps,
                "load_average_before": load_before,
                "load_average_after": os.getloadavg(),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
