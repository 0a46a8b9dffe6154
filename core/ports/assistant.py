"""The language-model seam: what core sends a model and what it gets back.

Core keeps a conversation with a model as plain data in the `generateContent` shape
(`{"role": "user" | "model", "parts": [{"text"} | {"functionCall": {"name", "args"}} |
{"functionResponse": {"name", "response"}}]}`), declares its tools as JSON schemas, and
reads back one `ModelTurn`. An adapter (integrations.gemini) talks to the real service.
Whatever goes wrong there (quota, timeout, 5xx, a blocked answer) comes back as
`ModelUnavailable` with a short reason, so core can fall back without knowing the SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class ModelUnavailable(Exception):
    """The model gave no usable answer; `reason` is one of REASONS."""

    REASONS = ("rate_limited", "timeout", "server_error", "blocked", "error")

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        # What the failed call still cost, when the service said.
        self.tokens_in = 0
        self.tokens_out = 0


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    # A JSON schema object (type, properties, required).
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: Mapping[str, Any]


@dataclass
class ModelTurn:
    text: str = ""
    calls: list[ToolCall] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    # The model's own content, to send back in the next request unchanged.
    content: dict[str, Any] = field(default_factory=dict)


class LanguageModel(Protocol):
    """A model that answers one request (no state kept between calls)."""

    @property
    def name(self) -> str: ...

    async def generate(
        self,
        *,
        system: str,
        contents: Sequence[Mapping[str, Any]],
        tools: Sequence[ToolSpec] = (),
        response_schema: Mapping[str, Any] | None = None,
    ) -> ModelTurn:
        """One model call; raises ModelUnavailable when there is no usable answer."""
        ...
