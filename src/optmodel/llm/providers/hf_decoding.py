"""Per-row decoding control inside one batched ``model.generate`` call.

Rows of a batch may differ in max_tokens, temperature, top_p, seed, stop strings and JSON schema.
``generate`` itself always runs greedy; this logits processor, last in the chain, applies each row's rules:
it masks tokens that would break the row's JSON schema (keeping room to close the document), forces EOS
when a row reaches its own token limit or a stop string, and for sampled rows draws the token itself from
a ``torch.Generator`` seeded per request, so a sample does not depend on what else is in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from optmodel.llm.providers.json_grammar import State
from optmodel.llm.providers.token_constraint import GrammarMasks


@dataclass
class RowPlan:
    """What one row of the batch must obey, and what happened to it."""

    max_new_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    masks: GrammarMasks | None = None
    ignore_eos: bool = False
    state: State | None = None
    finished: bool = False
    hit_length: bool = False
    hit_stop: bool = False
    broken_constraint: bool = False
    generated: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.masks is not None and self.state is None:
            self.state = self.masks.grammar.initial_state()

    @property
    def needs_control(self) -> bool:
        """False for a plain greedy row, which generate handles alone."""
        return self.masks is not None or self.temperature > 0 or bool(self.stop) or self.ignore_eos


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
            p.ignore_eos and p.masks is None and p.temperature == 0 and not p.stop for p in plans
        )

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        torch = self._torch
        if self._eos_ban_only:
            scores[:, self.eos_ids] = -torch.inf
            return scores
        step = input_ids.shape[1] - self.prompt_length
        scores = scores.float()
        # One device sync per step for the whole batch, not one per row.
        last_tokens = input_ids[:, -1].tolist() if step > 0 else []
        for row, plan in enumerate(self.plans):
            if step > 0 and not plan.finished:
                self._record(plan, last_tokens[row])
            if plan.finished:
                scores[row] = self._only(scores[row], self.eos_ids[0])
                continue
            remaining = plan.max_new_tokens - step
            if remaining <= 0 or plan.hit_stop:
                plan.hit_length = remaining <= 0 and not plan.hit_stop
                scores[row] = self._only(scores[row], self.eos_ids[0])
                continue
            if plan.masks is not None:
                scores[row] = self._constrain(plan, scores[row], remaining)
            elif plan.ignore_eos:
                scores[row, self.eos_ids] = -torch.inf
            if plan.temperature > 0:
                scores[row] = self._only(scores[row], self._sample(row, plan, scores[row]))
        return scores

    def _record(self, plan: RowPlan, token: int) -> None:
        """Take in the token generate picked for this row at the previous step."""
        if token in self.eos_ids:
            plan.finished = True
            return
        plan.generated.append(token)
        if plan.masks is not None and plan.state is not None:
            plan.state = plan.masks.advance(plan.state, token)
            plan.broken_constraint = plan.state is None
        if plan.stop:
            tail = self._decode(plan.generated[-64:])
            plan.hit_stop = any(s in tail for s in plan.stop)

    def _constrain(self, plan: RowPlan, row_scores: Any, remaining: int) -> Any:
        torch = self._torch
        assert plan.masks is not None
        if (
            plan.state is None
        ):  # cannot happen with an intact vocabulary; end the row rather than crash
            return self._only(row_scores, self.eos_ids[0])
        choices = plan.masks.choices(plan.state)
        # Keep only tokens after which the document can still be closed in the tokens that remain.
        fits = choices.ids[choices.costs <= remaining - 1]
        if fits.size == 0 and not choices.eos_allowed and choices.ids.size:
            fits = choices.ids[choices.costs == choices.costs.min()]
        allowed = torch.zeros(row_scores.shape[0], dtype=torch.bool, device=row_scores.device)
        if fits.size:
            allowed[torch.from_numpy(fits).to(row_scores.device)] = True
        if choices.eos_allowed or fits.size == 0:
            allowed[self.eos_ids[0]] = True
        masked = row_scores.masked_fill(~allowed, -torch.inf)
        # Random or weak models can put -inf on every allowed token; fall back to a uniform choice.
        if not torch.isfinite(masked).any():
            masked = torch.where(allowed, 0.0, -torch.inf).to(row_scores.dtype)
        return masked

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

    def _only(self, row_scores: Any, token: int) -> Any:
        """Scores under which greedy decoding must pick ``token``."""
        forced = self._torch.full_like(row_scores, -self._torch.inf)
        forced[token] = 0.0
        return forced
