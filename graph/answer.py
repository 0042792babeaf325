"""The answer's fallback chain under one deadline: primary -> LLM_FALLBACK_MODEL -> offline responder.

``LLM_TIMEOUT_S`` bounds every remote model call of the turn together, the client's retries included (the
primary gets two thirds of it when a fallback model follows). A failure -- an error, the deadline, a cut-off
(``length``) or filtered (``content_filter``) answer, an empty answer -- moves on to the next step and is kept
for analytics. The caller decides what to do when no step answers (a handoff); no error reaches the customer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.utils import count_tokens_approximately

from graph.messages import text_of
from graph.models import AnswerStep

logger = logging.getLogger(__name__)

PRIMARY_SHARE = 2 / 3
"""Share of the deadline the primary may use when a fallback model is configured after it."""


class UnusableAnswer(Exception):
    """The model answered, but not with something the customer can be shown."""

    def __init__(self, reason: str) -> None:
        """``reason`` goes to analytics (``length``, ``content_filter``, ``empty``)."""
        super().__init__(reason)
        self.reason = reason


def _model_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "this model cannot answer now" (a bug in our code is not one of them)."""
    errors: list[type[BaseException]] = [TimeoutError, ConnectionError, UnusableAnswer]
    with contextlib.suppress(ImportError):
        import openai

        errors.append(openai.APIError)
    with contextlib.suppress(ImportError):
        import httpx

        errors.append(httpx.HTTPError)
    return tuple(errors)


MODEL_ERRORS = _model_errors()


def failure_reason(error: BaseException) -> str:
    """A short, stable name for a failure (``timeout``, ``http_500``, ``length`` ...)."""
    if isinstance(error, UnusableAnswer):
        return error.reason
    if isinstance(error, TimeoutError):
        return "timeout"
    status = getattr(error, "status_code", None)
    if isinstance(status, int):
        return f"http_{status}"
    return type(error).__name__


def usable(message: BaseMessage) -> AIMessage:
    """``message`` as an answer, or :class:`UnusableAnswer` when it must not be shown."""
    if not isinstance(message, AIMessage):
        message = AIMessage(content=text_of(message))
    finish = message.response_metadata.get("finish_reason")
    if finish in ("length", "content_filter"):
        raise UnusableAnswer(str(finish))
    if not message.tool_calls and not message.invalid_tool_calls and not text_of(message).strip():
        raise UnusableAnswer("empty")
    return message


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """What the chain produced: the answer (None = nobody could answer) and every failure on the way."""

    message: AIMessage | None
    step: AnswerStep | None
    failures: tuple[str, ...]
    seconds: float


async def answer_with_fallbacks(
    prompt: Sequence[BaseMessage], steps: Sequence[AnswerStep], *, deadline_s: float
) -> AnswerOutcome:
    """Ask each step in turn until one answers usably; remote steps share ``deadline_s``."""
    started = time.monotonic()
    failures: list[str] = []
    remote_left = sum(step.remote for step in steps)
    for step in steps:
        budget: float | None = None
        if step.remote:
            remaining = deadline_s - (time.monotonic() - started)
            remote_left -= 1
            budget = remaining * PRIMARY_SHARE if remote_left else remaining
            if budget <= 0:
                failures.append(f"{step.role}:timeout")
                continue
        try:
            async with asyncio.timeout(budget):
                message = usable(await step.runnable.ainvoke(list(prompt)))
        except MODEL_ERRORS as error:
            reason = failure_reason(error)
            logger.warning("the %s model (%s) failed: %s", step.role, step.model, reason)
            failures.append(f"{step.role}:{reason}")
            continue
        return AnswerOutcome(message, step, tuple(failures), time.monotonic() - started)
    return AnswerOutcome(None, None, tuple(failures), time.monotonic() - started)


def usage_of(message: AIMessage, prompt: Sequence[BaseMessage]) -> tuple[int, int, int]:
    """(input, output, cached input) tokens of one call: the provider's figures, else an estimate."""
    usage = message.usage_metadata
    if usage:
        cached = int((usage.get("input_token_details") or {}).get("cache_read") or 0)
        return int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0), cached
    return count_tokens_approximately(list(prompt)), count_tokens_approximately([message]), 0
