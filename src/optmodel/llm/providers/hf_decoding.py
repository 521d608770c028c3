"""Per-row decoding control inside one batched ``model.generate`` call.

Rows of a batch may differ in max_tokens, temperature, top_p, seed, stop strings and JSON schema.
``generate`` itself always runs greedy; this logits processor, last in the chain, applies each row's rules:
it forces EOS when a row reaches its own token limit or a stop string, draws sampled rows' tokens itself
from a ``torch.Generator`` seeded per request (so a sample does not depend on the rest of the batch), and
decodes schema rows under their grammar (see token_constraint): llguidance fills the batch's token
bitmasks, and the best-scoring allowed token of each row is taken only if the document can still be
closed in the tokens left; otherwise the row closes along its shortest completion. Scores are masked only
where that changes the choice: a greedy row whose best token over the whole vocabulary is allowed and fits
keeps it (the best allowed token is that one); for the other greedy rows the best allowed token is read
from the bitmask (best_allowed) and forced with one write (force_tokens); sampled rows, which need the
whole masked distribution, are masked together in one vectorised operation on the scores' device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

from optmodel.llm.providers.token_constraint import RowConstraint, mask_executor

# Best-scoring candidates checked against the budget per row and step before the row closes.
_CANDIDATES = 8
# Under a dense mask, refused tokens dropped before best_allowed reads the allowed ones instead.
_DENSE_TRIES = 16
#: Raise it with any change here or in token_constraint / json_grammar that can change a decoded token
#: (the budget rule, how rows close, the grammar): cached answers of the old decoder are then not reused.
DECODER_REVISION = 2


def decoder_identity(grammar_memory_mib: int) -> dict[str, Any]:
    """Everything about constrained decoding that can change an answer; part of the cache key.

    The memory budget belongs here: past its lexer share llguidance stops and the row closes early.
    """
    return {
        "engine": "llguidance+json_grammar",
        "llguidance": installed_version("llguidance"),
        "revision": DECODER_REVISION,
        "candidates": _CANDIDATES,
        "grammar_memory_mib": grammar_memory_mib,
    }


def installed_version(package: str) -> str | None:
    """The installed distribution's version (None if it is not installed)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@dataclass
class RowPlan:
    """What one row of the batch must obey, and what happened to it."""

    max_new_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    constraint: RowConstraint | None = None
    ignore_eos: bool = False
    finished: bool = False
    hit_length: bool = False
    hit_stop: bool = False
    broken_constraint: bool = False
    generated: list[int] = field(default_factory=list)

    @property
    def needs_control(self) -> bool:
        """False for a plain greedy row, which generate handles alone."""
        return (
            self.constraint is not None
            or self.temperature > 0
            or bool(self.stop)
            or self.ignore_eos
        )


class RowwiseLogitsProcessor:
    """A transformers logits processor (any callable ``(input_ids, scores) -> scores`` is accepted)."""

    def __init__(
        self,
        plans: list[RowPlan],
        *,
        prompt_length: int,
        eos_ids: list[int],
        decode: Any,
    ) -> None:
        import torch

        self._torch = torch
        self.plans = plans
        self.prompt_length = prompt_length
        self.eos_ids = eos_ids
        self._decode = decode
        self._generators: dict[int, Any] = {}
        # Only banning EOS (equal lengths, greedy, no schema or stops): one vectorised op per step,
        # no device sync. generate's own max_new_tokens ends every row at the same length.
        limits = {p.max_new_tokens for p in plans}
        self._eos_ban_only = len(limits) == 1 and all(
            p.ignore_eos and p.constraint is None and p.temperature == 0 and not p.stop
            for p in plans
        )
        constrained = [p.constraint for p in plans if p.constraint is not None]
        # One bitmask row per batch row; rows without a schema stay all ones.
        words = (constrained[0].schema.vocabulary.size + 31) // 32 if constrained else 0
        self._bitmask = np.full((len(plans), words), -1, dtype=np.int32)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        torch = self._torch
        if self._eos_ban_only:
            scores[:, self.eos_ids] = -torch.inf
            return scores
        step = input_ids.shape[1] - self.prompt_length
        scores = scores.float()
        # One device sync per step for the whole batch, not one per row.
        last_tokens = input_ids[:, -1].tolist() if step > 0 else []
        forced: dict[int, int] = {}
        constrained: list[int] = []
        for row, plan in enumerate(self.plans):
            if step > 0 and not plan.finished:
                self._record(plan, last_tokens[row])
            remaining = plan.max_new_tokens - step
            if plan.finished or remaining <= 0 or plan.hit_stop:
                plan.hit_length = not plan.finished and remaining <= 0 and not plan.hit_stop
                forced[row] = self.eos_ids[0]
            elif plan.constraint is not None:
                constrained.append(row)
            else:
                if plan.ignore_eos:
                    scores[row, self.eos_ids] = -torch.inf
                if plan.temperature > 0:
                    forced[row] = self._sample(row, plan, scores[row])
        peaks: list[float] = []
        if constrained:
            forced.update(self._constrained_tokens(constrained, scores, step, peaks))
        if forced:
            force_tokens(scores, forced, peaks)
        return scores

    def _record(self, plan: RowPlan, token: int) -> None:
        """Take in the token generate picked for this row at the previous step."""
        if token in self.eos_ids:
            plan.finished = True
            return
        plan.generated.append(token)
        if plan.constraint is not None:
            plan.constraint.accept(token)
            plan.broken_constraint = plan.constraint.broken
        if plan.stop:
            tail = self._decode(plan.generated[-64:])
            plan.hit_stop = any(s in tail for s in plan.stop)

    def _constrained_tokens(
        self, rows: list[int], scores: Any, step: int, peaks: list[float]
    ) -> dict[int, int]:
        """Tokens to force on schema rows; a greedy row whose best allowed token fits needs none.

        A greedy row's best token over the whole vocabulary is also its best allowed token when the
        mask allows it, so it keeps its scores. For the other greedy rows the best allowed token is
        found from the bitmask without masking the row (see best_allowed), and sampled rows, which
        need the whole masked distribution, are masked in one vectorised operation. ``peaks`` receives
        every row's highest score when they were computed (force_tokens uses them).
        """
        masked = [r for r in rows if self.plans[r].constraint.wants_mask]  # type: ignore[union-attr]
        forced: dict[int, int] = {}
        if masked:
            fill_bitmask(
                self._bitmask,
                [(self.plans[r].constraint.matcher, r) for r in masked],  # type: ignore[union-attr]
            )
            greedy = [r for r in masked if self.plans[r].temperature == 0]
            sampled = [r for r in masked if self.plans[r].temperature > 0]
            if greedy:
                values, best = best_per_row(scores)
                peaks[:] = values
                allowed = allowed_tokens(self._bitmask, greedy, [best[r] for r in greedy])
                refused = [
                    r
                    for r, ok in zip(greedy, allowed, strict=True)
                    if not (ok and self._fits(r, best[r], step))
                ]  # the others need nothing: generate's own argmax picks their best token
                forced.update(self._best_fits(refused, scores, step, values, best))
            if sampled:
                apply_bitmask(self._bitmask, scores, sampled)
            for row in sampled:
                forced[row] = self._sample_fit(row, scores[row], step)
        unmasked = set(rows).difference(masked)
        for row in rows:
            if row in unmasked or forced.get(row, 0) < 0:  # nothing fits: close the document
                constraint = self.plans[row].constraint
                assert constraint is not None
                constraint.close()
                forced[row] = constraint.forced_token()
        return forced

    def _best_fits(
        self, rows: list[int], scores: Any, step: int, peaks: list[float], best: list[int]
    ) -> dict[int, int]:
        """Greedy rows whose best token is refused: their best allowed token if it fits, else the next
        of the best few allowed ones that fits (-1: none does)."""
        on_cpu = scores.device.type == "cpu"
        # A row with NaN or +inf is masked and its argmax taken, as generate's would be.
        exact = [r for r in rows if on_cpu and math.isfinite(peaks[r])]
        others = [r for r in rows if not (on_cpu and math.isfinite(peaks[r]))]
        values, tokens = (
            best_allowed(self._bitmask, scores.numpy(), exact, best) if exact else ([], [])
        )
        if others:
            apply_bitmask(self._bitmask, scores, others)
            more = best_per_row(scores, others)
            values, tokens = values + more[0], tokens + more[1]
        forced: dict[int, int] = {}
        for row, value, token in zip(exact + others, values, tokens, strict=True):
            if value == -float("inf"):
                forced[row] = -1
            elif self._fits(row, token, step):
                forced[row] = token
            else:
                if row in exact:  # the rest of the choice needs the masked row
                    apply_bitmask(self._bitmask, scores, [row])
                forced[row] = self._next_fit(row, scores[row], step)
        return forced

    def _fits(self, row: int, token: int, step: int) -> bool:
        constraint = self.plans[row].constraint
        assert constraint is not None
        return constraint.fits(token, self.plans[row].max_new_tokens - step - 1)

    def _next_fit(self, row: int, row_scores: Any, step: int) -> int:
        """The best-scoring allowed token after the top one that fits; -1 if none of the next few."""
        top = row_scores.topk(_CANDIDATES)
        for value, token in list(zip(top.values.tolist(), top.indices.tolist(), strict=True))[1:]:
            if value == -float("inf"):
                break
            if self._fits(row, token, step):
                return int(token)
        return -1

    def _sample_fit(self, row: int, row_scores: Any, step: int) -> int:
        """A sampled allowed token that fits (refused draws are masked and redrawn); -1 if none."""
        row_scores = row_scores.clone()
        for _ in range(_CANDIDATES):
            if not self._torch.isfinite(row_scores).any():
                break
            token = self._sample(row, self.plans[row], row_scores)
            if self._fits(row, token, step):
                return token
            row_scores[token] = -self._torch.inf
        return -1

    def _sample(self, row: int, plan: RowPlan, row_scores: Any) -> int:
        torch = self._torch
        generator = self._generators.get(row)
        if generator is None:
            generator = torch.Generator(device=row_scores.device)
            generator.manual_seed(plan.seed)
            self._generators[row] = generator
        probs = torch.softmax(row_scores / plan.temperature, dim=-1)
        if plan.top_p < 1.0:
            sorted_probs, order = torch.sort(probs, descending=True)
            # Keep the smallest prefix whose mass reaches top_p (always at least the top token).
            keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < plan.top_p
            probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_probs[keep])
        return int(torch.multinomial(probs, 1, generator=generator).item())


def fill_bitmask(bitmask: np.ndarray, matchers: list[tuple[Any, int]]) -> None:
    """llguidance writes each matcher's mask into its row of ``bitmask``.

    In parallel on llguidance's thread pool where it has threads to spare; otherwise here, one row
    after another: on a 2-core machine under load, handing the rows to a pool thread and waiting for
    it to be scheduled cost ~3 ms a step against ~0.2 ms of actual work (batch 8, Llama 3). Here the
    matcher writes straight to the row's address (llguidance.numpy's wrapper re-checks the array on
    every row: half of the ~20 µs a row took).
    """
    import llguidance.numpy

    if bitmask.dtype != np.int32 or bitmask.ndim != 2 or not bitmask.flags["C_CONTIGUOUS"]:
        raise ValueError("the bitmask must be a C-contiguous 2-D int32 array")
    executor = mask_executor()
    if executor is None or len(matchers) < 2:
        address, width = bitmask.ctypes.data, bitmask.strides[0]
        for matcher, row in matchers:
            if not 0 <= row < bitmask.shape[0]:
                raise IndexError(f"bitmask row {row} out of range")
            matcher.unsafe_compute_mask_ptr(address + row * width, width)
    else:
        llguidance.numpy.fill_next_token_bitmask_par(executor, matchers, bitmask)


def force_tokens(scores: Any, forced: dict[int, int], peaks: list[float]) -> None:
    """Make generate's argmax pick ``forced[row]`` in each row.

    A row whose highest score is finite holds no +inf and no NaN, so one +inf at the token decides
    the argmax; other rows go to -inf but the token. ``peaks`` holds the rows' highest scores where
    known (on CPU the others are read here: a row's max costs less than writing the row).
    """
    import torch

    on_cpu = scores.device.type == "cpu"
    view = scores.numpy() if on_cpu else None
    pinned: dict[int, int] = {}
    filled: dict[int, int] = {}
    for row, token in forced.items():
        peak = peaks[row] if row < len(peaks) else None
        if peak is None and view is not None:
            peak = float(view[row].max())
        (pinned if peak is not None and math.isfinite(peak) else filled)[row] = token
    if pinned and view is not None:
        view[list(pinned), list(pinned.values())] = np.inf
    elif pinned:
        rows = torch.tensor(list(pinned), device=scores.device)
        scores[rows, torch.tensor(list(pinned.values()), device=scores.device)] = torch.inf
    if filled:
        rows = torch.tensor(list(filled), device=scores.device)
        tokens = torch.tensor(list(filled.values()), device=scores.device)
        scores[rows] = -torch.inf
        scores[rows, tokens] = 0.0


def apply_bitmask(bitmask: np.ndarray, scores: Any, rows: list[int] | None = None) -> None:
    """Set the scores the bitmask forbids to -inf in ``rows`` (all by default): one vectorised pass on
    the scores' device."""
    if scores.device.type == "cpu":
        _apply_bitmask_numpy(bitmask, scores.numpy(), rows)
    else:
        _apply_bitmask_torch(bitmask, scores, rows)


def _apply_bitmask_numpy(bitmask: np.ndarray, view: np.ndarray, rows: list[int] | None) -> None:
    """Branch-free (+inf where allowed, -inf where not, then an elementwise minimum): a boolean masked
    fill is ~10x slower on CPU on irregular masks."""
    words = bitmask if rows is None else bitmask[rows]
    allowed = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")[:, : view.shape[1]]
    bound = np.subtract(allowed, 0.5, dtype=np.float32)
    bound *= np.inf
    if rows is None:
        np.minimum(view, bound, out=view)
    else:
        view[rows] = np.minimum(view[rows], bound)


def _apply_bitmask_torch(bitmask: np.ndarray, scores: Any, rows: list[int] | None) -> None:
    import torch

    words = torch.from_numpy(bitmask if rows is None else bitmask[rows]).to(scores.device)
    forbidden = unpack_bitmask_tensor(words, scores.shape[1]) == 0
    if rows is None:
        scores.masked_fill_(forbidden, -torch.inf)
    else:
        index = torch.tensor(rows, device=scores.device)
        scores[index] = scores[index].masked_fill(forbidden, -torch.inf)


def allowed_tokens(bitmask: np.ndarray, rows: list[int], tokens: list[int]) -> list[bool]:
    """Whether the bitmask allows ``tokens[i]`` in ``rows[i]`` (a lookup per row, no unpacking)."""
    return [
        bool(bitmask.item(r, t >> 5) >> (t & 31) & 1) for r, t in zip(rows, tokens, strict=True)
    ]


def best_allowed(
    bitmask: np.ndarray, view: np.ndarray, rows: list[int], best: list[int]
) -> tuple[list[float], list[int]]:
    """The highest allowed score and its token in each of ``rows`` of ``view`` (CPU scores without
    NaN or +inf), whose best token over the whole vocabulary (``best[row]``) the mask refuses;
    -inf and -1 where the mask allows no scored token.

    The answer of masking the row and taking its argmax (ties to the lowest token id), without
    unpacking every mask over the vocabulary. A mask that allows few tokens (outside strings) gives
    their ids from its nonzero words. Under a mask that allows most tokens (inside strings) the best
    allowed token is among the first few by score: each refused one is set to -inf (the mask
    refuses it anyway) and the argmax taken again (one argmax: 3 µs on 32k tokens, 10 µs on 128k);
    after a few refusals the row is masked whole.
    """
    values, tokens = [], []
    for row in rows:
        words, scores = bitmask[row], view[row]
        if np.count_nonzero(words) * 8 <= words.size:
            value, token = _best_of_few(scores, words)
        else:
            value, token = _best_by_dropping(scores, words, best[row]) or _best_masked(
                scores, words
            )
        values.append(value)
        tokens.append(token)
    return values, tokens


def _best_by_dropping(
    scores: np.ndarray, words: np.ndarray, token: int
) -> tuple[float, int] | None:
    for _ in range(_DENSE_TRIES):
        scores[token] = -np.inf
        token = int(scores.argmax())
        if words.item(token >> 5) >> (token & 31) & 1:
            return float(scores[token]), token
    return None


def _best_of_few(scores: np.ndarray, words: np.ndarray) -> tuple[float, int]:
    nonzero = np.flatnonzero(words)
    bits = np.flatnonzero(np.unpackbits(words[nonzero].view(np.uint8), bitorder="little"))
    allowed = nonzero[bits >> 5] * 32 + (bits & 31)  # ascending token ids
    allowed = allowed[allowed < scores.shape[0]]
    if not allowed.size:
        return -float("inf"), -1
    pick = int(scores[allowed].argmax())
    return float(scores[allowed[pick]]), int(allowed[pick])


def _best_masked(scores: np.ndarray, words: np.ndarray) -> tuple[float, int]:
    allowed = np.unpackbits(words.view(np.uint8), bitorder="little")[: scores.shape[0]]
    masked = np.where(allowed, scores, -np.inf)
    pick = int(masked.argmax())
    return (float(masked[pick]), pick) if masked[pick] > -np.inf else (-float("inf"), -1)


def best_per_row(scores: Any, rows: list[int] | None = None) -> tuple[list[float], list[int]]:
    """The highest score and its token in each of ``rows`` (all by default); numpy's argmax is the fast
    one on CPU. Ties go to the lowest token id, as in generate's own argmax."""
    if scores.device.type == "cpu":
        view = scores.numpy()
        if rows is None:
            tokens = view.argmax(axis=1)
            return view[np.arange(view.shape[0]), tokens].tolist(), tokens.tolist()
        picked = [int(view[r].argmax()) for r in rows]  # row views: no copy of the rows
        return [float(view[r, t]) for r, t in zip(rows, picked, strict=True)], picked
    values, tokens = (scores if rows is None else scores[rows]).max(dim=-1)
    return values.tolist(), tokens.tolist()


def unpack_bitmask_tensor(words: Any, width: int) -> Any:
    """Bit j of int32 word w is token 32 * w + j (1: allowed); computed where ``words`` lives."""
    import torch

    shifts = torch.arange(32, dtype=torch.int32, device=words.device)
    return ((words.unsqueeze(-1) >> shifts) & 1).reshape(words.shape[0], -1)[:, :width]
