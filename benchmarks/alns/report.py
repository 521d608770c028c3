"""Analyse a run directory: metrics per run, feasibility re-checks, Markdown tables and γ(t) plots."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

from benchmarks.alns.metrics import primal_gap, primal_integral, time_to_gap
from benchmarks.alns.mps_check import check_solution, read_mps
from benchmarks.alns.recorder import load_run
from benchmarks.alns.reference import load_references
from benchmarks.alns.report_steps import markdown_table, step_tables

METHOD_LABELS = {
    "highs": "HiGHS",
    "alns": "ALNS v2 (in HiGHS's tree)",
    "lns": "LNS (stand-alone)",
    "scip": "SCIP",
    "balans": "Balans",
    "cpsat": "CP-SAT",
}
#: A run counts as overrunning when its process outlived the limit by more than this.
OVERRUN_TOLERANCE = 1.0


def analyse(run_dir: Path) -> dict[str, Any]:
    """Per-run metrics with z* = the better of the stored reference and every value found here."""
    metas = [json.loads(p.read_text()) for p in sorted((run_dir / "runs").glob("*.meta.json"))]
    references = load_references()
    models: dict[str, Any] = {}
    runs = []
    for meta in metas:
        stem = f"{meta['instance']}__{meta['method']}__{meta['seed']}"
        run = load_run(run_dir / "runs" / f"{stem}.json")
        if meta["instance"] not in models:
            models[meta["instance"]] = read_mps(Path(meta["path"]))
        model = models[meta["instance"]]
        limit = meta["time_limit"]
        trajectory = [(t, z) for t, z in run["trajectory"] if t <= limit]
        check = check_solution(model, run["solution"]) if run["solution"] is not None else None
        final = run["final"] or {}
        wall = final.get("wall")
        if final.get("extra", {}).get("status") == "not_applicable":
            continue
        runs.append(
            {
                **meta,
                "trajectory": trajectory,
                "check": check,
                "wall": wall,
                "status": final.get(
                    "status", "killed" if meta["killed_at_deadline"] else "crashed"
                ),
                "extra": final.get("extra", {}),
                "maximize": model.maximize,
            }
        )
    z_star: dict[str, dict[str, Any]] = {}
    for name, model in models.items():
        ref = references.get(name)
        found = [
            (z, r["method"]) for r in runs if r["instance"] == name for _, z in r["trajectory"][-1:]
        ]
        best = max(found, default=None) if model.maximize else min(found, default=None)
        stored: float | None = float(ref["value"]) if ref else None
        entry: dict[str, Any] = {
            "value": stored,
            "source": ref["source"] if ref else "none stored",
        }
        # Rounding noise (764771.99999988 against 764772) is not a better solution.
        tolerance = 1e-9 * max(1.0, abs(stored)) if stored is not None else 0.0
        if best is not None and (
            stored is None
            or (best[0] > stored + tolerance if model.maximize else best[0] < stored - tolerance)
        ):
            entry = {
                "value": best[0],
                "source": f"improved in this run by {best[1]} (stored: {entry['value']})",
                "improved": True,
            }
        z_star[name] = entry
    for r in runs:
        ref = z_star[r["instance"]]["value"]
        limit = r["time_limit"]
        r["integral"] = primal_integral(r["trajectory"], ref, limit)
        r["final_gap"] = primal_gap(r["trajectory"][-1][1] if r["trajectory"] else None, ref)
        r["time_to_1pct"] = time_to_gap(r["trajectory"], ref, limit)
        r["final"] = r["trajectory"][-1][1] if r["trajectory"] else None
        r["overrun"] = r["wall"] is None or r["wall"] > limit + OVERRUN_TOLERANCE
    return {"runs": runs, "z_star": z_star}


def _fmt(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def write_report(run_dir: Path) -> str:
    """Write ``report.md``, ``results.json`` and ``plots/*.png`` into ``run_dir``; return the report text."""
    data = analyse(run_dir)
    runs, z_star = data["runs"], data["z_star"]
    methods = [m for m in METHOD_LABELS if any(r["method"] == m for r in runs)]
    instances = list(dict.fromkeys(r["instance"] for r in runs))
    family_of = {r["instance"]: r["family"] for r in runs}
    by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        by[(r["instance"], r["method"])].append(r)
    config = (
        json.loads((run_dir / "config.json").read_text())
        if (run_dir / "config.json").exists()
        else {}
    )
    lines = [
        f"# ALNS benchmark — {run_dir.name}",
        "",
        f"Tier `{config.get('tier')}`, {config.get('time_limit')} s per run (wall clock from before reading), "
        f"one thread per run, {config.get('jobs')} runs at a time; load average at start "
        f"{config.get('load_average_at_start')}, at end {config.get('load_average_at_end')}; "
        f"total {config.get('wall_seconds')} s.",
        "",
        "Primal gap γ(t)=|z(t)−z*|/max(|z(t)|,|z*|) (1 before any solution); primal integral (1/T)∫γdt; "
        "t≤1%: first time γ≤0.01. Values are means over seeds. Feasible: every final solution re-checked "
        "against the MPS file by benchmarks.alns.mps_check.",
        "",
    ]
    rows = []
    for inst in instances:
        for m in methods:
            rs = by.get((inst, m))
            if not rs:
                continue
            t1 = [r["time_to_1pct"] for r in rs if r["time_to_1pct"] is not None]
            checks = [r["check"] for r in rs]
            feasible = (
                "yes"
                if all(c is not None and c.feasible for c in checks)
                else ("no solution" if all(c is None for c in checks) else "NO")
            )
            rows.append(
                [
                    inst,
                    METHOD_LABELS[m],
                    str(len(rs)),
                    _fmt(mean(r["integral"] for r in rs)),
                    _fmt(mean(r["final_gap"] for r in rs)),
                    f"{mean(t1):.1f} ({len(t1)}/{len(rs)})" if t1 else "—",
                    _fmt(
                        mean(r["final"] for r in rs if r["final"] is not None)
                        if any(r["final"] is not None for r in rs)
                        else None,
                        2,
                    ),
                    feasible,
                    "yes" if any(r["overrun"] for r in rs) else "no",
                ]
            )
    lines += [
        "## Per instance",
        "",
        *markdown_table(
            [
                "instance",
                "method",
                "runs",
                "primal integral",
                "final gap",
                "t≤1% s (reached)",
                "final z",
                "feasible",
                "overran",
            ],
            rows,
        ),
    ]
    lines += ["", "## Per family (mean primal integral)", ""]
    families = list(dict.fromkeys(family_of[i] for i in instances))
    fam_rows: list[list[str]] = []
    per_method_overall: dict[str, list[float]] = {m: [] for m in methods}
    for fam in families:
        row = [fam]
        for m in methods:
            vals = [
                mean(r["integral"] for r in by[(i, m)])
                for i in instances
                if family_of[i] == fam and by.get((i, m))
            ]
            row.append(_fmt(mean(vals)) if vals else "—")
        fam_rows.append(row)
    for m in methods:
        per_method_overall[m] = [
            mean(r["integral"] for r in by[(i, m)]) for i in instances if by.get((i, m))
        ]
    fam_rows.append(
        ["**overall**"] + [_fmt(mean(v)) if v else "—" for v in per_method_overall.values()]
    )
    lines += markdown_table(["family", *[METHOD_LABELS[m] for m in methods]], fam_rows)
    lines += ["", "## Goal check", "", *_goal_lines(by, instances, family_of, families, methods)]
    lines += ["", "## HiGHS's user-solution callback (ALNS v2 runs, means per run)", ""]
    lines += _offer_table(runs, families, family_of)
    lines += ["", "## The LNS inside the tree (ALNS v2 runs)", ""]
    lines += step_tables(runs, families, family_of)
    lines += ["", "## Deadline (wall clock from before reading to the answer)", ""]
    lines += [_deadline_line(m, [r for r in runs if r["method"] == m]) for m in methods]
    lines += [
        "",
        "## Reference values z*",
        "",
        *markdown_table(
            ["instance", "z*", "source"],
            [[i, str(z_star[i]["value"]), z_star[i]["source"]] for i in instances],
        ),
    ]
    infeasible = [
        f"{r['instance']} {r['method']} seed {r['seed']}: {r['check'].describe()}"
        for r in runs
        if r["check"] is not None and not r["check"].feasible
    ]
    lines += ["", "## Infeasible final solutions", ""] + (
        [f"- {s}" for s in infeasible] or ["none"]
    )
    _plots(run_dir, runs, z_star, instances, methods)
    lines += ["", "Plots: `plots/<instance>.png` (γ(t) per method and seed)."]
    text = "\n".join(lines) + "\n"
    (run_dir / "report.md").write_text(text)
    (run_dir / "results.json").write_text(
        json.dumps(
            {
                "z_star": z_star,
                "runs": [
                    {k: v for k, v in r.items() if k != "check"}
                    | {"feasible": None if r["check"] is None else r["check"].feasible}
                    for r in runs
                ],
            },
            indent=1,
            default=str,
        )
    )
    return text


def _goal_lines(
    by: dict[tuple[str, str], list[dict[str, Any]]],
    instances: list[str],
    family_of: dict[str, str],
    families: list[str],
    methods: list[str],
) -> list[str]:
    def overall(m: str, subset: list[str]) -> float | None:
        vals = [mean(r["integral"] for r in by[(i, m)]) for i in subset if by.get((i, m))]
        return mean(vals) if vals else None

    lines = []
    alns, highs, balans = (
        overall("alns", instances),
        overall("highs", instances),
        overall("balans", instances),
    )
    if alns is not None and highs:
        lines.append(
            f"- ALNS v2 / HiGHS mean primal integral: {alns:.4f} / {highs:.4f} = {alns / highs:.3f} "
            f"(goal ≤ 0.8: {'met' if alns / highs <= 0.8 else 'NOT met'})"
        )
    if alns is not None and balans:
        lines.append(
            f"- ALNS v2 / Balans: {alns:.4f} / {balans:.4f} = {alns / balans:.3f} "
            f"(goal ≤ 0.5: {'met' if alns / balans <= 0.5 else 'NOT met'})"
        )
    lines += _final_gap_lines(by, instances)
    for fam in families:
        subset = [i for i in instances if family_of[i] == fam]
        a, h = overall("alns", subset), overall("highs", subset)
        if a is not None and h is not None:
            worse = a > 1.05 * h and a - h > 1e-4
            lines.append(
                f"- family {fam}: ALNS v2 {a:.4f} vs HiGHS {h:.4f} "
                f"({'worse by more than 5%' if worse else 'within 5% or better'})"
            )
    return lines


def _offer_table(
    runs: list[dict[str, Any]], families: list[str], family_of: dict[str, str]
) -> list[str]:
    """How often HiGHS offered the callback, and how the LNS used the offers, per family."""
    rows = []
    for fam in families:
        counters = [
            r["extra"].get("counters", {})
            for r in runs
            if r["method"] == "alns" and family_of[r["instance"]] == fam
        ]
        counters = [c for c in counters if "user_solution_offers" in c]
        if not counters:
            continue

        def avg(key: str, cs: list[dict[str, Any]] = counters) -> str:
            values = [c[key] for c in cs if c.get(key) is not None]
            return f"{mean(values):.1f}" if values else "—"

        later = [sum(t > 1.0 for t in c.get("offer_times", [])) for c in counters]
        last = [max(c["offer_times"]) for c in counters if c.get("offer_times")]
        rows.append(
            [
                fam,
                str(len(counters)),
                avg("user_solution_offers"),
                f"{mean(later):.1f}" if any("offer_times" in c for c in counters) else "—",
                f"{mean(last):.1f}" if last else "—",
                avg("offers_used"),
                avg("lns_seconds"),
                avg("solutions_handed_over"),
                avg("worker_ready_at"),
            ]
        )
    return markdown_table(
        [
            "family",
            "runs",
            "offers",
            "offers after 1 s",
            "last offer at s",
            "offers used",
            "LNS seconds",
            "solutions handed over",
            "worker ready at s",
        ],
        rows,
    )


def _deadline_line(method: str, runs: list[dict[str, Any]]) -> str:
    """Worst overrun of the limit; the goal allows max(2 %, 0.3 s)."""
    over = [(r["wall"] - r["time_limit"], r) for r in runs if r["wall"] is not None]
    missing = sum(r["wall"] is None for r in runs)
    if not over:
        return f"- {METHOD_LABELS[method]}: no wall times recorded ({missing} runs without)"
    worst, run = max(over, key=lambda pair: pair[0])
    allowed = max(0.02 * run["time_limit"], 0.3)
    verdict = "within" if all(o <= max(0.02 * r["time_limit"], 0.3) for o, r in over) else "BEYOND"
    return (
        f"- {METHOD_LABELS[method]}: worst overrun {worst:+.3f} s ({run['instance']} seed "
        f"{run['seed']}), {verdict} max(2 %, 0.3 s) = {allowed:.2f} s"
        + (f"; {missing} runs without a wall time" if missing else "")
    )


def _final_gap_lines(
    by: dict[tuple[str, str], list[dict[str, Any]]], instances: list[str]
) -> list[str]:
    """Goal: ALNS v2's final gap never worse than HiGHS's by more than 0.5 % (means over seeds)."""
    worse = []
    compared = 0
    for inst in instances:
        a, h = by.get((inst, "alns")), by.get((inst, "highs"))
        if not a or not h:
            continue
        compared += 1
        ga, gh = mean(r["final_gap"] for r in a), mean(r["final_gap"] for r in h)
        if ga > gh + 0.005:
            worse.append(f"{inst} ({ga:.4f} vs {gh:.4f})")
    if not compared:
        return []
    verdict = "met" if not worse else "NOT met: " + ", ".join(worse)
    return [f"- final gap never > 0.5 % worse than HiGHS on {compared} instances: {verdict}"]


def _plots(
    run_dir: Path,
    runs: list[dict[str, Any]],
    z_star: dict[str, dict[str, Any]],
    instances: list[str],
    methods: list[str],
) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    colours = {
        "highs": "tab:blue",
        "alns": "tab:red",
        "lns": "tab:brown",
        "scip": "tab:green",
        "balans": "tab:purple",
        "cpsat": "tab:orange",
    }
    plot_dir = run_dir / "plots"
    plot_dir.mkdir(exist_ok=True)
    for inst in instances:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ref = z_star[inst]["value"]
        for r in (r for r in runs if r["instance"] == inst):
            limit = r["time_limit"]
            times, gaps = [0.0], [1.0]
            for t, z in r["trajectory"]:
                times.append(t)
                gaps.append(primal_gap(z, ref))
            times.append(limit)
            gaps.append(gaps[-1])
            label = f"{METHOD_LABELS[r['method']]} s{r['seed']} (PI {r['integral']:.3f})"
            ax.step(times, gaps, where="post", color=colours[r["method"]], alpha=0.85, label=label)
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("seconds (wall clock, reading included)")
        ax.set_ylabel("primal gap γ(t)")
        ax.set_title(f"{inst} (z* = {ref})", fontsize=9)
        ax.legend(fontsize=6)
        fig.tight_layout()
        fig.savefig(plot_dir / f"{inst}.png", dpi=110)
        plt.close(fig)
