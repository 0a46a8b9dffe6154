"""Actions with a domain meaning become the callback data today's handlers expect, and
presses decode back into the same actions (bot.actions, the one encoding table)."""

from __future__ import annotations

import pytest

from bot.actions import ENCODINGS, ActionFilter, decode, encode
from core.ports.chat import Action


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (Action("approval.approve", "12"), "approval:approve:12"),
        (Action("approval.change", "12"), "approval:change:12"),
        (Action("order.reorder", "7"), "reorder:7"),
        (Action("checkout.day", "2026-03-09"), "co:day:20260309"),
        (Action("checkout.window", "09:00-12:00"), "co:window:0900-1200"),
        (Action("checkout.method", "pickup"), "co:pickup:"),
        (Action("checkout.me"), "co:me:"),
        (Action("checkout.occasion", "none"), "co:occasion:none"),
        (Action("checkout.cancel"), "m:cancel"),
        (Action("flow.checkout"), "cart:checkout:0"),
    ],
)
def test_an_action_is_todays_callback_data_and_decodes_back(action: Action, data: str) -> None:
    assert encode(action) == data
    assert decode(data) == Action(action.kind, action.value)


def test_data_that_is_no_action_decodes_to_none_and_unknown_kinds_are_refused() -> None:
    assert decode("m:home") is None
    assert decode("") is None and decode(None) is None
    with pytest.raises(KeyError):
        encode(Action("no.such.kind", "1"))
    with pytest.raises(KeyError):
        ActionFilter("no.such.kind")
    with pytest.raises(ValueError):
        encode(Action("order.reorder", "9" * 70))


def test_every_meaning_has_one_prefix() -> None:
    kinds = [(e.kind, e.value) for e in ENCODINGS]
    prefixes = [e.prefix for e in ENCODINGS]
    assert len(set(kinds)) == len(kinds) and len(set(prefixes)) == len(prefixes)
