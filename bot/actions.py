"""Actions (core.ports.chat.Action) as Telegram callback data, and back: ONE table.

Core speaks of what a button means (`approval.approve` of order 12); Telegram carries
at most 64 bytes of callback data per button. Every action kind a core message or a
flow may carry is listed in `ENCODINGS` with the callback data today's handlers expect:

    kind               value               callback data
    approval.approve   order id[.photo id] approval:approve:<order id>[.<photo id>]
    approval.change    order id[.photo id] approval:change:<order id>[.<photo id>]
    order.reorder      order id            reorder:<order id>
    checkout.me        -                   co:me:
    checkout.again     -                   co:again:
    checkout.method    delivery / pickup   co:delivery: / co:pickup:
    checkout.day       2026-03-11          co:day:20260311
    checkout.window    09:00-12:00         co:window:0900-1200 (':' separates callback data)
    checkout.otherday  -                   co:otherday:
    checkout.nocard    -                   co:nocard:
    checkout.occasion  birthday / ... none co:occasion:<value>
    checkout.confirm   -                   co:confirm:
    checkout.cancel    -                   m:cancel (the menu's cancel, bot.routers.customer.start)
    flow.catalog / flow.cart / flow.orders  m:catalog / m:cart / m:orders (the menu's buttons)
    flow.checkout      -                   cart:checkout:0 (the cart's Checkout)

The checkout's kinds are the flow's (core.flows.shop_chat); the `co:` data are the
callback data of bot.routers.customer.keyboards.CheckoutCb.

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


def _compact_day(value: str) -> str:
    return value.replace("-", "")


def _iso_day(raw: str) -> str:
    if len(raw) == 8 and raw.isdigit():
        return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    return raw


def _compact_window(value: str) -> str:
    return value.replace(":", "")


def _window(raw: str) -> str:
    start, _sep, end = raw.partition("-")
    if len(start) == 4 and len(end) == 4:
        return f"{start[:2]}:{start[2:]}-{end[:2]}:{end[2:]}"
    return raw


@dataclass(frozen=True)
class Encoding:
    kind: str
    prefix: str  # the callback data before the value
    to_wire: Callable[[str], str] = _same
    from_wire: Callable[[str], str] = _same
    value: str | None = None  # the one value this data means (the value is in the prefix)


APPROVAL_PREFIX = "approval"
REORDER_PREFIX = "reorder"

ENCODINGS: tuple[Encoding, ...] = (
    Encoding("approval.approve", f"{APPROVAL_PREFIX}:approve:"),
    Encoding("approval.change", f"{APPROVAL_PREFIX}:change:"),
    Encoding("order.reorder", f"{REORDER_PREFIX}:"),
    Encoding("checkout.me", "co:me:"),
    Encoding("checkout.again", "co:again:"),
    Encoding("checkout.method", "co:delivery:", value="delivery"),
    Encoding("checkout.method", "co:pickup:", value="pickup"),
    Encoding("checkout.day", "co:day:", _compact_day, _iso_day),
    Encoding("checkout.window", "co:window:", _compact_window, _window),
    Encoding("checkout.otherday", "co:otherday:"),
    Encoding("checkout.nocard", "co:nocard:"),
    Encoding("checkout.occasion", "co:occasion:"),
    Encoding("checkout.confirm", "co:confirm:"),
    Encoding("checkout.cancel", "m:cancel", value=""),
    Encoding("flow.catalog", "m:catalog", value=""),
    Encoding("flow.cart", "m:cart", value=""),
    Encoding("flow.orders", "m:orders", value=""),
    Encoding("flow.checkout", "cart:checkout:", value=""),
)

_BY_KIND = {encoding.kind: encoding for encoding in ENCODINGS if encoding.value is None}
_BY_VALUE = {
    (encoding.kind, encoding.value): encoding
    for encoding in ENCODINGS
    if encoding.value is not None
}
_KINDS = {encoding.kind for encoding in ENCODINGS}
# Longest prefix first, so "co:day:" wins over a shorter "co:" should both exist.
_BY_PREFIX = sorted(ENCODINGS, key=lambda e: len(e.prefix), reverse=True)

MAX_CALLBACK_BYTES = 64


def telegram_address(user_id: int) -> ChatAddress:
    """A Telegram person as core addresses them (their private chat has their id)."""
    return ChatAddress(ChannelName.TELEGRAM, str(user_id))


def encode(action: Action) -> str:
    """The callback data of `action`."""
    fixed = _BY_VALUE.get((action.kind, action.value))
    if fixed is not None:
        data = fixed.prefix
        if fixed.kind == "flow.checkout":
            data += "0"
    else:
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
            if encoding.value is not None:
                return Action(kind=encoding.kind, value=encoding.value)
            try:
                return Action(kind=encoding.kind, value=encoding.from_wire(raw))
            except ValueError:
                return None
    return None


class ActionFilter(Filter):
    """Passes presses whose callback data decodes to one of `kinds`; gives `action`."""

    def __init__(self, *kinds: str) -> None:
        unknown = [kind for kind in kinds if kind not in _KINDS]
        if unknown:
            raise KeyError(f"no callback encoding for {unknown}")
        self.kinds = frozenset(kinds)

    async def __call__(self, query: CallbackQuery) -> bool | dict[str, Any]:
        action = decode(query.data)
        if action is None or action.kind not in self.kinds:
            return False
        return {"action": action}
