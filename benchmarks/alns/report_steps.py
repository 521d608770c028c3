"""What the LNS did inside HiGHS's tree (ALNS v2 runs): sub-MIP success per operator, how often the
bandit gave the time back to the tree, and the share of the wall time the sub-MIPs took, per family."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

#: Not a destroy operator: the one-off LP relaxation RINS/RENS/DINS need.
_NOT_AN_OPERATOR = "lp_relaxation"


def step_tables(
    runs: list[dict[str, Any]], families: list[str], family_of: dict[str, str]
) -> list[str]:
    """Markdown lines: one operator table and one share table over the ``alns`` runs."""
    tree_runs = [r for r in runs if r["method"] == "alns"]
    if not tree_runs:
        return ["no ALNS v2 runs"]
    lines = [
        "Sub-MIPs per operator, summed over the runs of each family: calls / improvements "
        "(success rate) / seconds. `tree` counts the offers the bandit gave back to HiGHS.",
        "",
    ]
    operators = sorted(
        {op for r in tree_runs for op in r["extra"].get("operators", {})} - {_NOT_AN_OPERATOR}
    )
    rows = []
    for fam in families:
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for r in tree_runs:
            if family_of[r["instance"]] != fam:
                continue
            for op, stats in r["extra"].get("operators", {}).items():
                total = totals[op]
                total[0] += stats.get("calls", 0)
                total[1] += stats.get("improvements", 0)
                total[2] += stats.get("seconds", 0.0)
        rows.append([fam, *(_cell(totals.get(op)) for op in operators)])
    lines += markdown_table(["family", *operators], rows)
    lines += [
        "",
        "LNS share: seconds the host waited for steps / wall seconds. Round trip: those seconds "
        "less the worker's own step time (pipes, pickling, the worker's Python), per step. "
        "Means over the family's runs.",
        "",
    ]
    share_rows = []
    for fam in families:
        shares, trips = [], []
        for r in tree_runs:
            waited = r["extra"].get("counters", {}).get("lns_seconds")
            if family_of[r["instance"]] != fam or waited is None or not r.get("wall"):
                continue
            shares.append(waited / r["wall"])
            ops = r["extra"].get("operators", {}).values()
            steps = sum(stats.get("calls", 0) for stats in ops)
            if steps:
                trips.append((waited - sum(stats.get("seconds", 0.0) for stats in ops)) / steps)
        share_rows.append(
            [
                fam,
                str(len(shares)),
                f"{mean(shares):.3f}" if shares else "—",
                f"{mean(trips) * 1000:.0f} ms" if trips else "—",
            ]
        )
    header = ["family", "runs", "LNS share", "round trip per step"]
    return lines + markdown_table(header, share_rows)


def _cell(total: list[float] | None) -> str:
    if total is None or not total[0]:
        return "—"
    calls, improvements, seconds = total
    return f"{calls:.0f} / {improvements:.0f} ({improvements / calls:.0%}) / {seconds:.1f}"


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(r) + " |" for r in rows
    ]
