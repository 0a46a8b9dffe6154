"""Actions (core.ports.chat.Action) as Telegram callback data, and back: ONE table.

Core speaks of what a button means (`approval.approve` of order 12); Telegram carries
at most 64 bytes of callback data per button. Every action kind a core message or a
flow may carry is listed in `ENCODINGS` with the callback data today's handlers expect:

    kind               value               callback data
    approval.approve   order id            approval:approve:<order id>
    approval.change    order id            approval:change:<order id>
    order.reorder      order id            reorder:<order id>

`encode` turns an action into its callback data (unknown kinds are a programming
error: a KeyError names the kind), `decode` turns a press back into the action (None for
data that is no action of this table, e.g. the bot's own menus). `ActionFilter(kind)` is
the aiogram filter that lets a handler receive the decoded `action`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery

from core.ports.chat import Action, ChannelName, ChatAddress


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class Encoding:
    kind: str
    prefix: str  # the callback data before the value
    to_wire: Callable[[str], str] = _same
    from_wire: Callable[[str], str] = _same


APPROVAL_PREFIX = "approval"
REORDER_PREFIX = "reorder"

ENCODINGS: tuple[Encoding, ...] = (
    Encoding("approval.approve", f"{APPROVAL_PREFIX}:approve:"),
    Encoding("approval.change", f"{APPROVAL_PREFIX}:change:"),
    Encoding("order.reorder", f"{REORDER_PREFIX}:"),
)

_BY_KIND = {encoding.kind: encoding for encoding in ENCODINGS}
# Longest prefix first, so "co:day:" wins over a shorter "co:" should both exist.
_BY_PREFIX = sorted(ENCODINGS, key=lambda e: len(e.prefix), reverse=True)

MAX_CALLBACK_BYTES = 64


def telegram_address(user_id: int) -> ChatAddress:
    """A Telegram person as core addresses them (their private chat has their id)."""
    return ChatAddress(ChannelName.TELEGRAM, str(user_id))


def encode(action: Action) -> str:
    """The callback data of `action`."""
    encoding = _BY_KIND[action.kind]
    data = encoding.prefix + encoding.to_wire(action.value)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data of {action.kind} is longer than 64 bytes")
    return data


def decode(data: str | None) -> Action | None:
    """The action a press means, or None when the data is not an action of the table."""
    if not data:
        return None
    for encoding in _BY_PREFIX:
        if data.startswith(encoding.prefix):
            raw = data[len(encoding.prefix) :]
            try:
                return Action(kind=encoding.kind, value=encoding.from_wire(raw))
            except ValueError:
                return None
    return None


class ActionFilter(Filter):
    """Passes presses whose callback data decodes to one of `kinds`; gives `action`."""

    def __init__(self, *kinds: str) -> None:
        unknown = [kind for kind in kinds if kind not in _BY_KIND]
        if unknown:
            raise KeyError(f"no callback encoding for {unknown}")
        self.kinds = frozenset(kinds)

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        action = decode(query.data)
        if action is None or action.kind not in self.kinds:
            return False
        return {"action": action}
