"""Problem text -> Formulation, with a repair loop driven by validation and solver feedback.

Each problem (and each self-consistency sample of it) is a small conversation: the model is asked for a
Formulation; the reply is extracted, validated, compiled, solved and checked; whatever went wrong is fed back
as structured feedback; this repeats until the model solves or the budget is spent. All conversations that
need an answer in the same round go to the provider as ONE batch, so a local GPU model or an HTTP server gets
many requests at once. Nothing the LLM writes is executed: it is data, parsed and checked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any

from optmodel.llm.conversation import (
    Conversation,
    Evaluation,
    candidate,
    evaluate_document,
    same_model,
    stopped_reason,
)
from optmodel.llm.cross_check import CrossCheck, cross_check
from optmodel.llm.extract import extract_document
from optmodel.llm.feedback import (
    Feedback,
    extraction_feedback,
    issues_feedback,
    render_feedback,
    run_feedback,
)
from optmodel.llm.formulation_result import Attempt, FormulationResult
from optmodel.llm.formulator_config import (
    FormulatorConfig,
    InsightContext,
    InsightSource,
    Problem,
)
from optmodel.llm.missing_data import missing_data
from optmodel.llm.prompting import FewShotExample, build_messages, default_examples, load_prompt
from optmodel.llm.providers.base import LLMProvider
from optmodel.llm.self_consistency import (
    choose,
    stated_readings,
    steering_note,
)
from optmodel.llm.types import ChatMessage, CompletionRequest, CompletionResponse
from optmodel.llm.verification import (
    Verdict,
    parse_verdict,
    status_verification_message,
    verification_message,
)
from optmodel.model_solver import Stage
from optmodel.modeling.language.ir import Formulation
from optmodel.modeling.language.load import parse_document


class Formulator:
    """Turns problem text into a solved Formulation with any :class:`LLMProvider`.

    >>> from optmodel.llm.providers.scripted import ScriptedProvider  # doctest: +SKIP
    >>> Formulator(ScriptedProvider()).formulate("...")  # doctest: +SKIP
    """

    def __init__(
        self,
        provider: LLMProvider,
        config: FormulatorConfig | None = None,
        *,
        insights: InsightSource | None = None,
        examples: Sequence[FewShotExample] | None = None,
        executor: Executor | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.provider = provider
        self.config = config or FormulatorConfig()
        self.insights = insights
        self.examples = tuple(default_examples() if examples is None else examples)
        self.executor = executor
        self.on_progress = on_progress

    def formulate(self, text: str, problem_id: str = "problem") -> FormulationResult:
        return self.formulate_many([Problem(problem_id, text)])[0]

    def formulate_many(self, problems: Sequence[Problem]) -> list[FormulationResult]:
        """Formulate every problem; each round sends all pending requests as one batch."""
        contexts = (
            self.insights(problems) if self.insights else [InsightContext() for _ in problems]
        )
        conversations: dict[str, list[Conversation]] = {}
        for problem, context in zip(problems, contexts, strict=True):
            messages = self._initial_messages(problem, context)
            conversations[problem.id] = [
                Conversation(problem, s, list(messages)) for s in range(self.config.samples)
            ]
            if self.config.cross_check and context.text.strip():
                plain = self._initial_messages(problem, InsightContext())
                conversations[problem.id].append(Conversation(problem, 1, plain, draw=0))
                continue
            for later in conversations[problem.id][1:]:
                later.waiting = self.config.steer_readings
        tokens_used = {p.id: 0 for p in problems}
        round_number = 0
        while True:
            pending = [
                c for convs in conversations.values() for c in convs if not (c.done or c.waiting)
            ]
            if not pending:
                break
            round_number += 1
            if self.on_progress:
                self.on_progress(
                    f"round {round_number}: asking the LLM", round_number, len(pending)
                )
            responses = self.provider.complete([self._request(c) for c in pending])
            extracted = [
                self._record_response(c, r, tokens_used)
                for c, r in zip(pending, responses, strict=True)
            ]
            to_evaluate = [
                (c, doc) for c, doc in zip(pending, extracted, strict=True) if doc is not None
            ]
            for conversation, evaluation in zip(
                [c for c, _ in to_evaluate],
                self._evaluate([doc for _, doc in to_evaluate]),
                strict=True,
            ):
                self._advance(conversation, evaluation)
            for conversation in pending:
                self._enforce_budget(conversation, tokens_used)
            for convs in conversations.values():
                self._release_later_samples(convs, tokens_used)
        checks = (
            cross_check(problems, conversations, self.provider, self.config, self.on_progress)
            if self.config.cross_check
            else {}
        )
        return [
            self._choose(p, conversations[p.id], ctx.insight_ids, checks.get(p.id))
            for p, ctx in zip(problems, contexts, strict=True)
        ]

    # --- steps -------------------------------------------------------------------------------------
    def _release_later_samples(
        self, conversations: list[Conversation], tokens_used: dict[str, int]
    ) -> None:
        """Once the first sample has answered, start the others, steered toward its open readings."""
        first, later = conversations[0], [c for c in conversations[1:] if c.waiting]
        if not later or not (first.attempts or first.done):
            return
        readings = stated_readings(first.attempts[0].response) if first.attempts else ()
        for conversation in later:
            conversation.waiting = False
            note = steering_note(readings, conversation.sample)
            if note is not None:
                problem = conversation.messages[-1]
                conversation.messages[-1] = ChatMessage("user", f"{problem.content}\n\n{note}")
                conversation.steered = True
            self._enforce_budget(conversation, tokens_used)

    def _initial_messages(self, problem: Problem, context: InsightContext) -> list[ChatMessage]:
        hidden = {problem.id, *problem.related_ids}
        examples = tuple(e for e in self.examples if not e.source_id or e.source_id not in hidden)
        return build_messages(
            problem.text,
            examples=examples if self.config.use_examples else (),
            insights=context.text,
            include_schema=self.config.include_schema,
        )

    def _request(self, conversation: Conversation) -> CompletionRequest:
        number = len(conversation.attempts) + 1
        return CompletionRequest(
            messages=tuple(conversation.messages),
            max_tokens=self.config.max_tokens,
            temperature=self.config.sampling_temperature,
            seed=self.config.seed + conversation.draw,
            json_schema=(
                Formulation.json_schema()
                if self.config.structured_output and not conversation.verifying
                else None
            ),
            sample_index=conversation.draw,
            request_id=f"{conversation.problem.id}/s{conversation.sample}/a{number}",
        )

    def _record_response(
        self, conversation: Conversation, response: CompletionResponse, tokens_used: dict[str, int]
    ) -> Any | None:
        """Record the reply; return the decoded document to evaluate, or None when there is none."""
        usage = response.usage
        tokens_used[conversation.problem.id] += usage.prompt_tokens + usage.completion_tokens
        attempt = Attempt(
            sample=conversation.sample,
            number=len(conversation.attempts) + 1,
            messages=tuple(conversation.messages),
            response=response.text,
            stage="pending",
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            llm_s=response.latency_s,
            cached=response.cached,
        )
        if response.error:
            conversation.attempts.append(
                dataclasses.replace(attempt, stage="llm-error", feedback=response.error)
            )
            conversation.done = True
            conversation.reason = f"LLM error: {response.error}"
            return None
        conversation.messages.append(ChatMessage("assistant", response.text))
        if conversation.verifying:
            return self._record_verdict(conversation, attempt)
        extraction = extract_document(response.text)
        if extraction.document is None:
            feedback = extraction_feedback(extraction.error)
            conversation.attempts.append(
                dataclasses.replace(attempt, stage="extract", feedback=feedback.details)
            )
            self._ask_for_repair(conversation, feedback)
            return None
        # A reply that declines for lack of data ends the conversation: never ask it to invent them.
        missing = missing_data(extraction.document)
        if missing is not None:
            conversation.attempts.append(
                dataclasses.replace(attempt, stage="missing-data", missing_data=missing)
            )
            conversation.done = True
            conversation.reason = "the text lacks data the model needs: " + "; ".join(missing)
            return None
        conversation.attempts.append(attempt)
        return extraction.document

    def _record_verdict(self, conversation: Conversation, attempt: Attempt) -> Any | None:
        """Record a verification reply; return its corrected model to evaluate, if it brings one."""
        conversation.verifying = False
        verdict = parse_verdict(attempt.response)
        checked = conversation.checked
        # A "correction" that is the model just verified would only be verified again; sent without a
        # verdict, it says nothing either way.
        if (
            verdict.formulation is not None
            and checked is not None
            and parse_document(verdict.formulation)[0] == checked.formulation
        ):
            unstated = "unreadable" if verdict.error else verdict.verdict
            verdict = Verdict(unstated, verdict.discrepancies, None, "the same model")
        solved = checked is not None and checked is conversation.last_solved
        if solved:
            conversation.verdict = verdict.verdict
        else:
            conversation.failed_verdict = verdict.verdict
        attempt = dataclasses.replace(
            attempt, verdict=verdict.verdict, discrepancies=verdict.discrepancies
        )
        if verdict.formulation is None:
            feedback = verdict.error or (
                "no corrected Formulation" if verdict.discrepancies else ""
            )
            conversation.attempts.append(
                dataclasses.replace(attempt, stage="verify", feedback=feedback)
            )
            conversation.done = True
            conversation.reason = (
                "solved" if solved or conversation.failure is None else stopped_reason(conversation)
            )
            return None
        conversation.attempts.append(attempt)
        return verdict.formulation

    def _evaluate(self, documents: list[Any]) -> list[Evaluation]:
        solver, options = self.config.solver, self.config.solve_options
        report = self.config.verify and self.config.max_attempts > 1
        if self.executor is None or len(documents) < 2:
            return [evaluate_document(d, solver, options, report) for d in documents]
        n = len(documents)
        return list(
            self.executor.map(
                evaluate_document, documents, [solver] * n, [options] * n, [report] * n
            )
        )

    def _advance(self, conversation: Conversation, evaluation: Evaluation) -> None:
        run = evaluation.run
        if run is None:
            feedback: Feedback | None = issues_feedback(evaluation.parse_issues)
            stage, issues = "validate", evaluation.parse_issues
        else:
            feedback = run_feedback(run)
            stage = feedback.stage if feedback else "ok"
            issues = run.issues
        result = run.result if run else None
        timings = run.timings if run else {}
        pending = conversation.attempts[-1]
        conversation.attempts[-1] = dataclasses.replace(
            pending,
            stage=stage,
            feedback=feedback.details if feedback else "",
            issues=tuple(issues),
            objective=result.answer_value if result else None,
            status=result.status.value if result else "",
            compile_s=timings.get("compile_s", 0.0),
            solve_s=timings.get("solve_s", 0.0),
        )
        previous, previous_failure = conversation.final, conversation.failure
        if run is not None and run.stage is Stage.DONE:
            conversation.final = evaluation
            conversation.failed_verdict = ""
        budget_left = len(conversation.attempts) < self.config.max_attempts
        if feedback is None:
            conversation.last_solved = evaluation
            conversation.verdict = ""
            if evaluation.report and budget_left:
                self._ask_for_verdict(
                    conversation, evaluation, verification_message(evaluation.report)
                )
                return
            conversation.done = True
            conversation.reason = "solved"
            return
        conversation.failure = feedback
        if (
            feedback.stage in ("infeasible", "unbounded")
            and previous_failure is not None
            and previous_failure.stage == feedback.stage
            and previous is not None
            and same_model(previous.formulation, evaluation.formulation)
        ):
            # Told that its model is infeasible (unbounded), the LLM sent the same model back: it holds
            # that the text is. Asking again could only press it into another reading of the text.
            conversation.done = True
            conversation.reason = (
                f"the model holds that the problem as written is {feedback.stage}: "
                "it sent the same model back"
            )
            return
        # Without repair, a model that compiled but did not solve cleanly is held against the text too:
        # a verdict on its solver status may bring the corrected model that repair would have asked for.
        status = status_verification_message(run) if run is not None else None
        if status and self.config.verify and not self.config.repair and budget_left:
            self._ask_for_verdict(conversation, evaluation, status)
            return
        self._ask_for_repair(conversation, feedback)

    def _ask_for_verdict(
        self, conversation: Conversation, evaluation: Evaluation, message: str
    ) -> None:
        conversation.verifying = True
        conversation.checked = evaluation
        conversation.messages.append(ChatMessage("user", message))

    def _ask_for_repair(self, conversation: Conversation, feedback: Feedback) -> None:
        out_of_budget = len(conversation.attempts) >= self.config.max_attempts
        if out_of_budget or not self.config.repair:
            conversation.done = True
            conversation.failure = feedback
            conversation.reason = stopped_reason(conversation)
            return
        conversation.messages.append(
            ChatMessage("user", render_feedback(feedback, load_prompt("repair.md")))
        )

    def _enforce_budget(self, conversation: Conversation, tokens_used: dict[str, int]) -> None:
        budget = self.config.max_total_tokens
        if conversation.done or budget is None or tokens_used[conversation.problem.id] < budget:
            return
        conversation.done = True
        conversation.reason = f"token budget of {budget} exhausted"

    def _choose(
        self,
        problem: Problem,
        conversations: list[Conversation],
        insight_ids: tuple[str, ...],
        check: CrossCheck | None = None,
    ) -> FormulationResult:
        attempts = tuple(a for c in conversations for a in c.attempts)
        attempts += (check.attempt,) if check else ()
        solved = [c for c in conversations if c.last_solved is not None]
        if solved:
            if check is not None and check.picked is not None:
                # The cross-check compared both models against the text and picked one of them.
                chosen, votes = conversations[check.picked], 1
            else:
                position, votes = choose(
                    [candidate(c) for c in solved], self.config.cluster_tolerance
                )
                chosen = solved[position]
            evaluation = chosen.last_solved
            assert evaluation is not None and evaluation.run is not None
            return FormulationResult(
                problem.id,
                evaluation.formulation,
                evaluation.run.result,
                attempts,
                "solved",
                chosen.sample,
                insight_ids,
                chosen.verdict,
                (votes, len(solved)),
            )
        # Nothing solved: a sample that said the text lacks data explains that best; else report the
        # furthest any sample got (e.g. an infeasible model), with its reason.
        declined = [
            c for c in conversations if c.attempts and c.attempts[-1].stage == "missing-data"
        ]
        best = next(
            iter(declined),
            next((c for c in conversations if c.final is not None), conversations[0]),
        )
        final = best.final
        return FormulationResult(
            problem.id,
            final.formulation if final else None,
            final.run.result if final and final.run else None,
            attempts,
            best.reason or "no answer",
            best.sample,
            insight_ids,
            best.failed_verdict,
        )


__all__ = [
    "Attempt",
    "Evaluation",
    "FormulationResult",
    "Formulator",
    "FormulatorConfig",
    "InsightContext",
    "InsightSource",
    "Problem",
    "evaluate_document",
]
