"""Replay the cross-check on finished bench runs: what ``library-checked`` would have answered.

A ``library-checked`` run formulates every problem twice, with the library's insights and without, and asks
the LLM to compare the two models where their answers differ. Two finished runs of the same problems — one
plain (``repair``) and one guided (``library``) — already hold both models, so the cross-check can be
measured on them without formulating anything again: this script rebuilds each disagreement's question with
the product's own code (:func:`optmodel.llm.cross_check.cross_check`), asks the LLM, and scores the pick.

    python -m benchmarks.cross_check_replay --plain RUN_A repair --guided RUN_B library \\
        --guided RUN_C library-starter --labels labels.yaml --llm batch:B --out replay.json

With ``batch:DIR`` the first call writes the questions and exits 7; answer them and run it again.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optmodel.benchmarks.datasets.loader import read_problems_jsonl
from optmodel.benchmarks.labels import audited, load_corrections
from optmodel.benchmarks.records import ResultRecord
from optmodel.errors import PendingBatchError
from optmodel.llm.conversation import Conversation, evaluate_document
from optmodel.llm.cross_check import cross_check
from optmodel.llm.formulator import FormulatorConfig, Problem
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.self_consistency import agree
from optmodel.pipeline import resolve_llm
from optmodel.solvers.base import SolveOptions


@dataclass(frozen=True)
class Side:
    record: ResultRecord
    document: dict[str, Any]


def _records(run: Path, method: str, labels: Path | None) -> dict[str, ResultRecord]:
    lines = (run / "results.jsonl").read_text(encoding="utf-8").splitlines()
    records = [ResultRecord.model_validate_json(line) for line in lines if line.strip()]
    records = [r for r in records if r.method == method]
    if labels is not None:
        records = audited(records, load_corrections([labels]))
    return {r.problem_id: r for r in records}


def _side(run: Path, record: ResultRecord) -> Side | None:
    path = run / "attempts" / record.dataset / record.method / f"{record.problem_id}.json"
    document = json.loads(path.read_text(encoding="utf-8")).get("formulation")
    return Side(record, document) if isinstance(document, dict) else None


def _conversation(problem: Problem, sample: int, side: Side) -> Conversation:
    conversation = Conversation(problem, sample, [])
    evaluation = evaluate_document(side.document, "auto", SolveOptions(time_limit=60.0), True)
    result = evaluation.run.result if evaluation.run else None
    if result is None or not result.has_solution:
        raise SystemExit(f"{problem.id}: the recorded model does not solve again")
    recorded = side.record.objective
    if recorded is None or not agree(result.answer_value or 0.0, recorded):
        print(f"note: {problem.id} re-solves to {result.answer_value}, recorded {recorded}")
    conversation.last_solved = evaluation
    return conversation


@dataclass(frozen=True)
class Replayed:
    """One disagreement: both sides, what the cross-check picked and what that answer scores."""

    problem: str
    guided: ResultRecord
    plain: ResultRecord
    picked: int | None
    outcome: str

    @property
    def kept(self) -> ResultRecord:
        return self.plain if self.picked == 1 else self.guided


def _replay(
    run: Path,
    method: str,
    plain_run: Path,
    plain: dict[str, ResultRecord],
    guided: dict[str, ResultRecord],
    texts: dict[str, str],
    provider: LLMProvider,
) -> list[Replayed]:
    """Cross-check every problem the two runs answered differently (raises PendingBatchError for a batch)."""
    problems: list[Problem] = []
    pairs: dict[str, tuple[Side, Side]] = {}
    for pid, record in guided.items():
        other = plain.get(pid)
        if other is None or record.objective is None or other.objective is None:
            continue
        if agree(record.objective, other.objective):
            continue
        guided_side, plain_side = _side(run, record), _side(plain_run, other)
        if guided_side is None or plain_side is None:
            continue
        # The id fixes which model is shown first (optmodel.llm.cross_check.guided_first).
        problem = Problem(f"{run.name}:{method}:{pid}", texts[pid])
        problems.append(problem)
        pairs[problem.id] = (guided_side, plain_side)
    conversations = {
        p.id: [_conversation(p, 0, pairs[p.id][0]), _conversation(p, 1, pairs[p.id][1])]
        for p in problems
    }
    checks = cross_check(problems, conversations, provider, FormulatorConfig())
    return [
        Replayed(
            p.id.rsplit(":", 1)[-1],
            pairs[p.id][0].record,
            pairs[p.id][1].record,
            checks[p.id].picked,
            checks[p.id].attempt.feedback,
        )
        for p in problems
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", nargs=2, metavar=("RUN", "METHOD"), required=True)
    parser.add_argument(
        "--guided", nargs=2, metavar=("RUN", "METHOD"), action="append", required=True
    )
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--llm", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    plain_run = Path(args.plain[0])
    plain = _records(plain_run, args.plain[1], args.labels)
    texts: dict[str, str] = {}
    for dataset in {r.dataset for r in plain.values()}:
        for p in read_problems_jsonl(args.data_dir / f"{dataset}.jsonl", dataset):
            texts[p.id] = p.question
    provider = resolve_llm(args.llm, cache=False)
    report: dict[str, Any] = {}
    pending = False
    for run_name, method in args.guided:
        run = Path(run_name)
        guided = _records(run, method, args.labels)
        try:
            replayed = _replay(run, method, plain_run, plain, guided, texts, provider)
        except PendingBatchError as exc:
            print(exc, file=sys.stderr)
            pending = True
            continue
        kept = {r.problem: r.kept.correct for r in replayed}
        scores = {
            rule: {
                "plain": sum(bool(r.correct.get(rule)) for r in plain.values()),
                "guided": sum(bool(r.correct.get(rule)) for r in guided.values()),
                "cross-checked": sum(
                    bool(kept.get(pid, r.correct).get(rule)) for pid, r in guided.items()
                ),
                "problems": len(guided),
            }
            for rule in ("strict", "audited")
        }
        rows = [
            {
                "problem": r.problem,
                "guided": [r.guided.objective, r.guided.correct],
                "plain": [r.plain.objective, r.plain.correct],
                "picked": {0: "guided", 1: "plain", None: "none"}[r.picked],
                "outcome": r.outcome,
            }
            for r in replayed
        ]
        report[f"{run_name} {method}"] = {"scores": scores, "disagreements": rows}
        print(f"{run_name} {method}: {json.dumps(scores)}")
        for r in replayed:
            print(f"  {r.problem}: {rows[replayed.index(r)]['picked']} -> {r.kept.objective}")
    if pending:
        return 7
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
