"""Actions as WhatsApp ids: a reply button's id, a list row's id and a template's
quick-reply payload all carry `<kind>:<value>` (just `<kind>` without a value), e.g.
`order.reorder:7`, `approval.approve:12`, `checkout.day:2026-12-03`; a press comes back
in the webhook as that id and is read into the same `Action`. Kinds never contain ":";
values may. Ids longer than WhatsApp allows (200 for list rows, the shortest) are
refused when the message is rendered, not cut: a cut id would name another action.
"""

from __future__ import annotations

from core.ports.chat import Action

MAX_ID = 200


class ActionTooLong(ValueError):
    """An action's id does not fit WhatsApp's limit."""


def encode_action(action: Action) -> str:
    if ":" in action.kind or not action.kind:
        raise ValueError(f"an action kind is a word without ':' ({action.kind!r})")
    encoded = f"{action.kind}:{action.value}" if action.value else action.kind
    if len(encoded) > MAX_ID:
        raise ActionTooLong(f"action id longer than {MAX_ID} characters: {encoded[:40]}...")
    return encoded


def decode_action(encoded: str, *, label: str = "") -> Action | None:
    """The action an id names; None for an empty id."""
    kind, _, value = (encoded or "").strip().partition(":")
    if not kind:
        return None
    return Action(kind=kind, value=value, label=label)
