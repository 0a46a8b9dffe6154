"""The assistant a shop talks to: a model when one is configured, the offline assistant
otherwise, and offline again whenever the model fails; every call recorded.

    model configured? ── no ──────────────────────────────► offline
         │ yes
    shop's daily budget spent? ── yes ─────────────────────► offline (reason: budget)
         │ no
    model answers? ── no (429, timeout, 5xx, blocked) ─────► offline (reason: the failure)
         │ yes
         ▼
    the model's answer

One AiUsage row per call (core.assistant.usage): the model asked, tokens in and out
(also those a failed call spent), cost, latency, tool calls, fallback reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from core.assistant import usage
from core.assistant.base import OFFLINE, Answer, Sentiment
from core.assistant.model import ModelAssistant
from core.assistant.offline import OfflineAssistant
from core.assistant.tools import Scope
from core.clock import Clock, SystemClock
from core.models import Order
from core.ports.assistant import LanguageModel, ModelUnavailable

log = logging.getLogger(__name__)


class AssistantService:
    def __init__(self, *, model: LanguageModel | None = None, clock: Clock | None = None) -> None:
        self._language_model = model
        self._model = ModelAssistant(model) if model is not None else None
        self.offline = OfflineAssistant()
        self._clock = clock or SystemClock()

    @property
    def model(self) -> str:
        return self._model.model if self._model is not None else OFFLINE

    async def aclose(self) -> None:
        close: Callable[[], Awaitable[Any]] | None = getattr(self._language_model, "aclose", None)
        if close is not None:
            await close()

    async def _primary(self, scope: Scope) -> tuple[ModelAssistant | None, str | None]:
        if self._model is None:
            return None, None
        if await usage.budget_spent(shop=scope.shop, now=self._clock.now()):
            return None, "budget"
        return self._model, None

    async def reply(
        self, *, scope: Scope, message: str, order: Order | None = None, feature: str = "query"
    ) -> Answer:
        """A reply from the model, or from offline (with the reason it fell back)."""
        started = time.monotonic()
        primary, reason = await self._primary(scope)
        spent_in = spent_out = 0
        answer: Answer | None = None
        if primary is not None:
            try:
                answer = await primary.reply(scope=scope, message=message, order=order)
            except ModelUnavailable as failure:
                reason, spent_in, spent_out = failure.reason, failure.tokens_in, failure.tokens_out
                log.warning("assistant model failed (%s); answering offline", failure.reason)
        if answer is None:
            answer = await self.offline.reply(scope=scope, message=message, order=order)
            answer.tokens_in, answer.tokens_out = spent_in, spent_out
            answer.fallback_reason = reason
            answer.attempted_model = self.model if reason is not None else None
        await usage.record(
            shop_id=scope.shop.id,
            feature=feature,
            model=answer.attempted_model or answer.model,
            tokens_in=answer.tokens_in,
            tokens_out=answer.tokens_out,
            latency_ms=int((time.monotonic() - started) * 1000),
            tool_calls=len(answer.function_calls),
            fallback_reason=reason,
        )
        return answer

    async def sentiment(self, *, scope: Scope, message: str) -> Sentiment:
        """The model's reading of the message, or the offline lexicon's."""
        started = time.monotonic()
        primary, reason = await self._primary(scope)
        result: Sentiment | None = None
        spent_in = spent_out = 0
        if primary is not None:
            try:
                result = await primary.sentiment(scope=scope, message=message)
            except ModelUnavailable as failure:
                reason, spent_in, spent_out = failure.reason, failure.tokens_in, failure.tokens_out
        if result is None:
            found = await self.offline.sentiment(scope=scope, message=message)
            result = Sentiment(
                sentiment=found.sentiment,
                urgency=found.urgency,
                concerns=found.concerns,
                recommended_tone=found.recommended_tone,
                tokens_in=spent_in,
                tokens_out=spent_out,
                fallback_reason=reason,
            )
        await usage.record(
            shop_id=scope.shop.id,
            feature="sentiment",
            model=self.model if reason is not None else result.model,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
            latency_ms=int((time.monotonic() - started) * 1000),
            tool_calls=0,
            fallback_reason=reason,
        )
        return result


def cost(answer: Answer | Sentiment) -> float:
    """The answer's cost in USD, as the contract shows it."""
    model = answer.attempted_model or answer.model if isinstance(answer, Answer) else answer.model
    return float(usage.cost_of(model, answer.tokens_in, answer.tokens_out))
