"""PNG plots of a benchmark run (matplotlib, ``pip install 'optmodel[plots]'``)."""

from __future__ import annotations

from pathlib import Path

from optmodel.atomic_files import atomic_output
from optmodel.benchmarks.records import ResultRecord
from optmodel.benchmarks.summary import Summary
from optmodel.errors import MissingExtraError


def write_plots(records: list[ResultRecord], summary: Summary, folder: Path) -> list[str]:
    """Accuracy by dataset x method, failure categories, tokens and calls per problem; returns the files."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise MissingExtraError("matplotlib", "plots", "benchmark plots") from exc
    folder.mkdir(parents=True, exist_ok=True)
    written = []

    groups = summary.groups
    labels = [f"{g.dataset}\n{g.method}" for g in groups]
    rule = summary.default_rule
    accuracy = [
        100 * (g.accuracy[rule].accuracy or 0.0) if rule in g.accuracy else 0.0 for g in groups
    ]
    low = [100 * (g.accuracy[rule].ci_low or 0.0) if rule in g.accuracy else 0.0 for g in groups]
    high = [100 * (g.accuracy[rule].ci_high or 0.0) if rule in g.accuracy else 0.0 for g in groups]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(groups) + 2), 4))
    errors = [
        [a - lo for a, lo in zip(accuracy, low, strict=True)],
        [h - a for a, h in zip(accuracy, high, strict=True)],
    ]
    ax.bar(range(len(groups)), accuracy, yerr=errors, capsize=4, color="#4C72B0")
    ax.set_xticks(range(len(groups)), labels, fontsize=8)
    ax.set_ylabel(f"accuracy % ({rule}, 95% CI)")
    ax.set_ylim(0, 100)
    ax.set_title("Accuracy by dataset and method")
    fig.tight_layout()
    written.append(_save(fig, folder / "accuracy.png", plt))

    categories = sorted({name for g in groups for name in g.failures if name != "none"})
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(groups) + 2), 4))
    bottom = [0] * len(groups)
    for category in categories:
        counts = [g.failures.get(category, 0) for g in groups]
        ax.bar(range(len(groups)), counts, bottom=bottom, label=category)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_xticks(range(len(groups)), labels, fontsize=8)
    ax.set_ylabel("problems")
    ax.set_title("Failure categories")
    if categories:
        ax.legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, folder / "failures.png", plt))

    methods = sorted({r.method for r in records})
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    for method in methods:
        mine = [r for r in records if r.method == method and not r.is_pending]
        left.hist([r.tokens_in + r.tokens_out for r in mine], bins=20, alpha=0.6, label=method)
        right.hist(
            [r.llm_calls for r in mine],
            bins=range(0, max([r.llm_calls for r in mine] + [1]) + 2),
            alpha=0.6,
            label=method,
        )
    left.set_xlabel("tokens per problem")
    right.set_xlabel("LLM calls per problem")
    for axis in (left, right):
        axis.set_ylabel("problems")
        if methods:
            axis.legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, folder / "usage.png", plt))
    return written


def _save(fig: object, path: Path, plt: object) -> str:
    with atomic_output(path, suffix=path.suffix) as temp:
        fig.savefig(temp, dpi=110)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[attr-defined]
    return str(path)
