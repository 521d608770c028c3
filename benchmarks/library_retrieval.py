"""First-stage retrieval latency of the experience library at 1,000 insights.

Run: ``.venv/bin/python benchmarks/library_retrieval.py [--insights 1000] [--queries 200] [--seed 0]``.

Builds a synthetic library (seeded; titles, conditions, keywords and explanations drawn from an
operations-research vocabulary, examples from the starter library) in a temporary SQLite file, then times:

- building the BM25 index once (it is cached per library revision);
- the first stage (lexical shortlist of 12) for each query, one at a time — the target is < 20 ms/problem;
- ``Retriever.retrieve`` for all queries in one batch without an LLM, including writing the retrieval log.

Queries are real problem texts from /work/shared/datasets/optibench.jsonl when present (read-only), otherwise
synthetic ones. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from optmodel.experience_library import Insight, InsightStore, Problem, Retriever, starter_insights

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "optibench.jsonl"
WORDS = """truck worker machine warehouse facility product demand supply capacity hour minute budget profit
cost revenue shift nurse route arc node flow inventory stock period month week percent ratio share integer
binary setup fixed opening assignment job task project portfolio investment return risk blend ingredient
nutrient diet protein calorie crop acre fertilizer water energy power plant generator emission carbon
transport shipment distance vehicle bus pupil school staff schedule overtime labour material steel paint
chair table toy bakery flour sugar kilogram litre tonne container box pallet order lot batch minimum maximum
at least at most exceed no more than each per unit total available limit require must cannot either only
""".split()  # noqa: SIM905 - a word list reads better than 100 quoted strings
TRACKS = ("domain-modeling", "general-formulation", "data-and-units")


def _phrase(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def synthetic_insights(count: int, rng: random.Random) -> list[Insight]:
    examples = [i.example for i in starter_insights()]
    return [
        Insight.model_validate(
            {
                "id": f"syn-{n:05d}",
                "title": _phrase(rng, 6),
                "taxonomy": {
                    "track": rng.choice(TRACKS),
                    "level1": _phrase(rng, 2),
                    "level2": _phrase(rng, 2),
                },
                "applies_when": _phrase(rng, 25),
                "does_not_apply_when": _phrase(rng, 12),
                "keywords": [rng.choice(WORDS) for _ in range(6)],
                "explanation": {
                    "practice": _phrase(rng, 20),
                    "mistake": _phrase(rng, 15),
                    "why": _phrase(rng, 15),
                },
                "example": rng.choice(examples).model_dump(),
            }
        )
        for n in range(count)
    ]


def queries(count: int, rng: random.Random) -> tuple[list[Problem], str]:
    if DATASET.exists():
        with DATASET.open(encoding="utf-8") as handle:
            texts = [json.loads(line)["question"] for line in handle][:count]
        if len(texts) == count:
            return [Problem(f"q{n}", t) for n, t in enumerate(texts)], str(DATASET)
    return [Problem(f"q{n}", _phrase(rng, 150)) for n in range(count)], "synthetic"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--insights", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with (
        tempfile.TemporaryDirectory() as folder,
        InsightStore(Path(folder) / "lib.sqlite") as store,
    ):
        started = time.perf_counter()
        store.add_many(synthetic_insights(args.insights, rng))
        fill_s = time.perf_counter() - started
        problems, source = queries(args.queries, rng)

        started = time.perf_counter()
        store.lexical_index()
        index_build_ms = 1000 * (time.perf_counter() - started)

        retriever = Retriever(store, k=4, shortlist_size=12, log=False)
        retriever.shortlist(problems[:5])  # warm-up
        per_query = []
        for problem in problems:
            started = time.perf_counter()
            retriever.shortlist([problem])
            per_query.append(1000 * (time.perf_counter() - started))

        logged = Retriever(store, k=4, shortlist_size=12, log=True, run_tag="bench")
        started = time.perf_counter()
        logged.retrieve(problems)
        batch_ms = 1000 * (time.perf_counter() - started)

    per_query.sort()
    print(
        json.dumps(
            {
                "insights": args.insights,
                "queries": len(problems),
                "query_source": source,
                "library_fill_s": round(fill_s, 3),
                "index_build_ms": round(index_build_ms, 1),
                "first_stage_ms_per_problem": {
                    "mean": round(statistics.mean(per_query), 3),
                    "p50": round(statistics.median(per_query), 3),
                    "p95": round(per_query[int(0.95 * (len(per_query) - 1))], 3),
                    "max": round(per_query[-1], 3),
                },
                "retrieve_batch_with_log_ms_per_problem": round(batch_ms / len(problems), 3),
                "target_ms_per_problem": 20,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
