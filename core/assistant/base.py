"""What every assistant answers, and the `Assistant` port its implementations share
(core.assistant.offline.OfflineAssistant, core.assistant.model.ModelAssistant)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from core.assistant.tools import Scope
from core.models import Order

OFFLINE = "offline"

INTENTS = ("order_status", "delivery_time", "price", "hours", "complaint", "off_topic")


@dataclass
class Answer:
    reply: str
    # What the assistant looked up: [{"name": tool, "parameters": {...}}].
    function_calls: list[dict[str, Any]] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    model: str = OFFLINE
    intent: str = ""
    # The order the answer is about (id), when there is one.
    order_id: int | None = None
    # Why a model's answer was replaced by the offline one (None: it was not).
    fallback_reason: str | None = None
    # The model that was asked, when the reply fell back to offline.
    attempted_model: str | None = None

    @property
    def tokens_used(self) -> int:
        return self.tokens_in + self.tokens_out


@dataclass(frozen=True)
class Sentiment:
    sentiment: str
    urgency: str
    concerns: list[str]
    recommended_tone: str
    model: str = OFFLINE
    tokens_in: int = 0
    tokens_out: int = 0
    fallback_reason: str | None = None

    @property
    def is_complaint(self) -> bool:
        return self.sentiment == "negative" and self.urgency == "high"


class Assistant(Protocol):
    @property
    def model(self) -> str: ...

    async def reply(self, *, scope: Scope, message: str, order: Order | None = None) -> Answer:
        """Answer `message` from the scope's data (tools); `order` is the one the
        caller is about, if any."""
        ...

    async def sentiment(self, *, scope: Scope, message: str) -> Sentiment:
        """Sentiment, urgency, concerns and the tone to answer in."""
        ...
