"""The chat seam: how core addresses a person and what it says, whatever the messenger.

- `ChatAddress(channel, external_id)`: a person's chat on one channel (a Telegram user
  id as text, a WhatsApp id = the E.164 phone without "+").
- `Action`: a button with a *domain meaning* (`approval.approve` of order 12,
  `order.reorder` of order 7, `checkout.day` 2026-12-03). Each channel encodes actions in
  its own ids (Telegram callback data, WhatsApp reply/list ids) and decodes them back
  into the same `Action`, so core never sees a channel's encoding.
- `OutgoingMessage`: a text (a gettext msgid of the `messages` domain with its params,
  rendered by the channel in the reader's language at delivery), optional photos (URLs or
  channel file ids), and rows of actions.
- `Notifier`: what core calls to tell a person something. The implementation writes
  outbox rows (one per channel the person is reachable on) in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class ChannelName(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"


@dataclass(frozen=True)
class ChatAddress:
    channel: ChannelName
    external_id: str

    def as_dict(self) -> dict[str, str]:
        return {"channel": self.channel.value, "external_id": self.external_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatAddress:
        return cls(ChannelName(str(data["channel"])), str(data["external_id"]))


@dataclass(frozen=True)
class Action:
    """A choice a person can make; `kind` names its meaning, `value` its argument."""

    kind: str
    value: str = ""
    # Label as a msgid (rendered by the channel), with its params.
    label: str = ""
    label_params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "value": self.value, "label": self.label}
        if self.label_params:
            data["label_params"] = dict(self.label_params)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        return cls(
            kind=str(data["kind"]),
            value=str(data.get("value", "")),
            label=str(data.get("label", "")),
            label_params=dict(data.get("label_params") or {}),
        )


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    language: str = "ru"
    photos: Sequence[str] = ()
    actions: Sequence[Sequence[Action]] = ()
    order_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "params": dict(self.params),
            "language": self.language,
        }
        if self.photos:
            data["photos"] = list(self.photos)
        if self.actions:
            data["actions"] = [[action.as_dict() for action in row] for row in self.actions]
        if self.order_id is not None:
            data["order_id"] = self.order_id
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OutgoingMessage:
        return cls(
            text=str(data["text"]),
            params=dict(data.get("params") or {}),
            language=str(data.get("language") or "ru"),
            photos=tuple(data.get("photos") or ()),
            actions=tuple(
                tuple(Action.from_dict(action) for action in row)
                for row in data.get("actions") or ()
            ),
            order_id=data.get("order_id"),
        )


class Notifier(Protocol):
    """Tells a person something on the channels they are reachable on."""

    async def tell(
        self,
        addresses: Sequence[ChatAddress],
        message: OutgoingMessage,
        *,
        shop_id: int | None,
        event_type: str = "message",
        key: str | None = None,
        now: datetime | None = None,
    ) -> int:
        """Queue `message` for each address (one outbox row per channel), in the
        caller's transaction; a channel that fails later never blocks another. Returns
        how many rows were written (0: the person is reachable nowhere)."""
        ...
