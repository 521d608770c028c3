"""A library a person can read: one Markdown page, insights grouped by taxonomy.

Each insight shows when it applies and when not, its practice and wrong/right example, where it came from
(origin, source problems, model), how it was verified (the reasons of its versions: a learned insight is only
stored after re-solving its source problem reaches the known answer), how often retrieval offered and chose
it, how its uses turned out, and its version history; then the problems learning flagged for audit.
"""

from __future__ import annotations

from collections import defaultdict

from .insight import Insight
from .store import InsightStore


def library_report(store: InsightStore, *, include_retired: bool = False) -> str:
    """The whole library as Markdown (``optmodel library report``)."""
    insights = store.insights(include_retired=include_retired)
    stats = store.stats()
    lines = [
        "# Experience library",
        "",
        f"`{stats.path}` — {stats.insights_active} active and {stats.insights_retired} retired "
        f"insight(s), {stats.versions_total} version(s); {stats.retrievals_logged} retrieval(s) logged, "
        f"{stats.outcomes_recorded} outcome(s) recorded ({stats.outcomes_correct} right).",
        "",
    ]
    if stats.most_helpful or stats.most_harmful:
        lines += [
            "Most helpful: " + (_counted(stats.most_helpful) or "-"),
            "",
            "Most harmful: " + (_counted(stats.most_harmful) or "-"),
            "",
        ]
    groups: dict[tuple[str, str], list[Insight]] = defaultdict(list)
    for insight in insights:
        groups[(insight.taxonomy.track, insight.taxonomy.level1)].append(insight)
    for (track, level1), members in sorted(groups.items()):
        lines += [f"## {track} / {level1}", ""]
        for insight in sorted(members, key=lambda i: (i.taxonomy.level2, i.title)):
            lines += _insight_section(store, insight)
    if not insights:
        lines.append("The library is empty.")
    flagged = store.flagged_for_audit()
    if flagged:
        lines += [
            "",
            "## Problems flagged for audit while learning",
            "",
            "Their diagnosis found no modeling mistake (data missing from the text, or a known answer no "
            "reading reaches), so nothing was learned from them.",
            "",
            *(
                f"- `{pid}` ({_md(str(a.get('kind', '')))}, run `{_md(run)}`): "
                f"{_md(str(a.get('reason', '')))}"
                for run, pid, a in flagged
            ),
        ]
    return "\n".join(lines).rstrip() + "\n"


def _insight_section(store: InsightStore, insight: Insight) -> list[str]:
    s, p = insight.stats, insight.provenance
    status = "" if insight.status == "active" else f" — **{insight.status}**"
    lines = [
        f"### {_md(insight.title)}{status}",
        "",
        f"`{insight.id}` v{insight.version}"
        + (f" · {insight.taxonomy.level2}" if insight.taxonomy.level2 else ""),
        "",
        f"- **Applies when:** {_md(insight.applies_when)}",
    ]
    if insight.does_not_apply_when:
        lines.append(f"- **Does not apply when:** {_md(insight.does_not_apply_when)}")
    lines += [
        f"- **Practice:** {_md(insight.explanation.practice)}",
        f"- **Common mistake:** {_md(insight.explanation.mistake)} ({_md(insight.explanation.why)})",
        "- **Wrong:** " + " ; ".join(f"`{e}`" for e in insight.example.wrong),
        "- **Right:** " + " ; ".join(f"`{e}`" for e in insight.example.right),
    ]
    if insight.example.note:
        lines.append(f"- **Note:** {_md(insight.example.note)}")
    sources = ", ".join(p.source_problems) or "-"
    lines += [
        f"- **Origin:** {p.origin}; source problems: {sources}; model: {p.model or '-'}",
        f"- **Retrieval:** shortlisted {s.retrieved}, chosen {s.selected}; outcomes: helped "
        f"{s.helped}, hurt {s.hurt}, no change {s.irrelevant}",
        "- **History:**",
    ]
    lines += [
        f"  - v{v.version} ({v.created_at}): {_md(v.reason)}" for v in store.versions(insight.id)
    ]
    return [*lines, ""]


def _counted(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"`{insight_id}` ({count})" for insight_id, count in pairs)


def _md(text: str) -> str:
    """One line of Markdown text: no line breaks, no stray table or HTML syntax."""
    return " ".join(text.split()).replace("<", "&lt;").replace("|", "\\|")
