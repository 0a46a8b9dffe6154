"""The outbox deliverer of topic `whatsapp` (a plugin of sauda.wiring.PLUGINS).

A row (payload in core.channels.whatsapp_out) goes out from its shop's number
(core.channels.whatsapp_numbers) through the Graph client:

    window open? (the customer wrote < 24 h ago, by their message's timestamp)
      yes ─► free-form: photos uploaded/linked, text + choices rendered (bot.whatsapp.render)
             │   Meta says re-engagement (131047) ─┐
      no ──────────────────────────────────────────┴► the shop's approved template

Each WhatsApp message sent is recorded as an outbound `Message` (its `wamid` names it
in status callbacks); the row remembers how many parts went out, so a retry after a
rate limit does not send the first parts twice.

Templates are shop settings, `shop.settings["whatsapp_templates"]`, one entry per kind
of message: the row's `event_type` (`customer.order_paid`, `date_reminder`, ...) or
its group (`order_update` for every `customer.order_*`):

    {"order_update": {"name": "order_update", "languages": {"ru": "ru", "kk": "kk",
                      "uz": "uz", "en": "en_US"}, "params": ["number"]},
     "date_reminder": {"name": "flowers_reminder", "language": "ru",
                       "params": ["date"], "quick_replies": 1}}

`params` name the message's params that fill the template body's {{1}}, {{2}}...;
`quick_replies` is how many quick-reply buttons the approved template has: each gets
the id of the message's action at that place (`order.reorder:7`), so the reminder's
one-tap reorder comes back in the webhook as that action. `languages` maps the
reader's language to the template's language code (default: the same code).

Errors: a rate limit, Meta being down or a refused token raise, and the outbox retries
with back-off. An invalid number (131026) is dead at once and the staff chat is told
once per customer number. A missing template (none configured for the kind, or Meta
does not know it: 132001...) is dead at once and the staff chat is told once per shop
and kind. A message Meta refuses as malformed is dead (a bug, not worth retrying). A
`failed` status callback with 131047 queues the same message again as a template; with
131026 it tells staff, as above.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.rendering import render
from bot.whatsapp.actions import encode_action
from bot.whatsapp.render import SECTION, render_message, summary
from core.channels import whatsapp_numbers
from core.channels.inbox import customer_of_address, record_outbound, window_open
from core.channels.telegram_out import send_chat_message
from core.channels.whatsapp_out import WHATSAPP_TOPIC, tell_whatsapp
from core.clock import Clock, SystemClock
from core.events import CONVERSATION_MESSAGE_FAILED, DomainEvent, bus
from core.jobs.once import do_once
from core.models import Conversation, Message, OutboxEvent, Shop
from core.outbox import PermanentFailure
from core.photos import URL_PREFIX, photo_file
from core.ports.chat import ChannelName, ChatAddress, OutgoingMessage
from core.runtime import Runtime
from core.vault import Vault
from integrations.whatsapp.client import (
    INVALID_RECIPIENT_CODES,
    REENGAGEMENT_CODES,
    BadRequest,
    InvalidRecipient,
    ReengagementRequired,
    TemplateUnavailable,
    WhatsAppClient,
    WhatsAppNumber,
)

log = logging.getLogger(__name__)

TEMPLATES_SETTING = "whatsapp_templates"
ORDER_GROUP = "order_update"
MISSING_TEMPLATE = "whatsapp_template_missing"
UNDELIVERABLE = "whatsapp_undeliverable"
SENT_PARTS = "sent_parts"


def _(message: str) -> str:
    return message


MISSING_TEMPLATE_NOTICE = _(
    "⚠️ WhatsApp: a message to {customer} did not go out. They have not written for 24 "
    "hours, and the shop has no approved WhatsApp template for “{template}”. Add it in the "
    "shop's WhatsApp settings; until then such messages are not sent."
)
UNDELIVERABLE_NOTICE = _(
    "⚠️ WhatsApp cannot deliver messages to {customer}: the number is not on WhatsApp or "
    "cannot receive messages. Please contact the customer another way."
)


def template_key(event_type: str) -> list[str]:
    """The settings keys that may name a template for `event_type`, most specific first."""
    keys = [event_type]
    if event_type.startswith("customer.order_"):
        keys.append(ORDER_GROUP)
    return keys


def template_for(shop: Shop, event_type: str) -> tuple[str, dict[str, Any] | None]:
    """(the kind's key, its template settings or None)."""
    configured = (shop.settings or {}).get(TEMPLATES_SETTING) or {}
    keys = template_key(event_type)
    for key in keys:
        entry = configured.get(key)
        if isinstance(entry, dict) and entry.get("name"):
            return key, entry
    return keys[-1], None


def template_language(entry: dict[str, Any], language: str) -> str:
    languages = entry.get("languages")
    if isinstance(languages, dict) and languages.get(language):
        return str(languages[language])
    return str(entry.get("language") or language)


async def _who(shop_id: int, address: ChatAddress) -> str:
    customer = await customer_of_address(shop_id=shop_id, address=address)
    phone = "+" + address.external_id
    if customer is not None and customer.name:
        return f"{customer.name} ({customer.phone or phone})"
    return phone


async def tell_staff_once(
    *, shop_id: int, kind: str, ref: str, text: str, params: dict[str, Any], now: datetime
) -> bool:
    """One notice to the shop's staff chat per (kind, ref), ever; True when sent now."""
    shop = await Shop.get(id=shop_id)

    async def send() -> None:
        if shop.staff_chat_id is None:
            log.warning("shop %s has no staff chat for: %s %s", shop_id, kind, ref)
            return
        await send_chat_message(
            chat_id=shop.staff_chat_id,
            text=text,
            params=params,
            language=shop.locale,
            shop_id=shop.id,
            event_type=kind,
            now=now,
        )

    return await do_once(
        shop_id=shop_id, kind=kind, ref=ref[:64], now=now, action=send, payload=dict(params)
    )


async def report_undeliverable(*, shop_id: int, address: ChatAddress, now: datetime) -> bool:
    return await tell_staff_once(
        shop_id=shop_id,
        kind=UNDELIVERABLE,
        ref=address.external_id,
        text=UNDELIVERABLE_NOTICE,
        params={"customer": await _who(shop_id, address)},
        now=now,
    )


async def report_missing_template(
    *, shop_id: int, key: str, address: ChatAddress, now: datetime
) -> bool:
    return await tell_staff_once(
        shop_id=shop_id,
        kind=MISSING_TEMPLATE,
        ref=key,
        text=MISSING_TEMPLATE_NOTICE,
        params={"customer": await _who(shop_id, address), "template": key},
        now=now,
    )


def local_photo(photo: str, runtime: Runtime) -> bytes | None:
    """The bytes of one of our stored photos named by its URL or path, else None."""
    base = runtime.settings.public_base_url.rstrip("/")
    path = photo
    if base and photo.startswith(base + URL_PREFIX):
        path = photo[len(base) :]
    if not path.startswith(URL_PREFIX):
        return None
    found = photo_file(runtime.settings.data_dir, path[len(URL_PREFIX) :])
    return found.read_bytes() if found is not None else None


async def media_refs(
    message: OutgoingMessage, *, sender: WhatsAppNumber, runtime: Runtime
) -> list[dict[str, str]]:
    """Photos as WhatsApp can show them: ours uploaded (courier and bouquet photos),
    other web links as links; anything else (a Telegram file id) is left out."""
    refs: list[dict[str, str]] = []
    for photo in message.photos:
        data = local_photo(photo, runtime)
        if data is not None:
            refs.append({"id": await sender.upload_media(data=data, mime_type="image/jpeg")})
        elif photo.startswith(("https://", "http://")):
            refs.append({"link": photo})
        else:
            log.info("a photo WhatsApp cannot reach is left out: %s", photo[:24])
    return refs


async def _record(
    row: OutboxEvent,
    address: ChatAddress,
    message: OutgoingMessage,
    *,
    wamid: str,
    content: dict[str, Any],
    part: int,
    now: datetime,
    text: str | None = None,
) -> None:
    payload: dict[str, Any] = {
        "type": content.get("type"),
        "event_type": row.event_type,
        "outbox_event_id": str(row.event_id),
        "part": part,
    }
    if part == 0:
        payload["message"] = message.as_dict()
    if content.get("type") == "template":
        payload["template"] = content["template"]["name"]
    await record_outbound(
        shop_id=row.shop_id,
        address=address,
        external_id=wamid,
        text=summary(content) if text is None else text,
        sent_at=now,
        payload=payload,
        order_id=message.order_id,
        message_id=row.payload.get("message_id") if part == 0 else None,
    )


async def _send_free_form(
    row: OutboxEvent,
    address: ChatAddress,
    message: OutgoingMessage,
    *,
    sender: WhatsAppNumber,
    runtime: Runtime,
) -> None:
    done = int(row.payload.get(SENT_PARTS) or 0)
    images = await media_refs(message, sender=sender, runtime=runtime)
    contents = render_message(message, images=images)
    for part, content in enumerate(contents):
        if part < done:
            continue
        sent = await sender.send(to=address.external_id, content=content)
        now = runtime.clock.now()
        await _record(row, address, message, wamid=sent.id, content=content, part=part, now=now)
        row.payload = {**row.payload, SENT_PARTS: part + 1}
        await OutboxEvent.filter(id=row.id).update(payload=row.payload)


async def _send_template(
    row: OutboxEvent,
    address: ChatAddress,
    message: OutgoingMessage,
    *,
    sender: WhatsAppNumber,
    runtime: Runtime,
) -> None:
    shop = await Shop.get(id=row.shop_id)
    key, entry = template_for(shop, row.event_type)
    chosen = row.payload.get("template")
    if isinstance(chosen, dict) and chosen.get("name"):
        key, entry = str(chosen["name"]), dict(chosen)
    now = runtime.clock.now()
    if entry is None:
        await report_missing_template(shop_id=shop.id, key=key, address=address, now=now)
        raise PermanentFailure(f"outside the 24-hour window and no template for {key!r}")
    params = [str(message.params.get(name) or "—") for name in entry.get("params") or []]
    actions = [a for row_ in message.actions for a in row_ if a.kind != SECTION]
    quick = [encode_action(a) for a in actions[: int(entry.get("quick_replies") or 0)]]
    language = template_language(entry, message.language)
    try:
        sent = await sender.send_template(
            to=address.external_id,
            name=str(entry["name"]),
            language=language,
            body_params=params,
            quick_replies=quick,
        )
    except TemplateUnavailable as error:
        await report_missing_template(
            shop_id=shop.id, key=f"{key} ({entry['name']}, {language})", address=address, now=now
        )
        raise PermanentFailure(f"template {entry['name']!r} refused: {error}") from error
    content = {"type": "template", "template": {"name": str(entry["name"])}}
    await _record(
        row,
        address,
        message,
        wamid=sent.id,
        content=content,
        part=0,
        now=now,
        text=render(message.text, message.language, dict(message.params)),
    )


async def deliver_row(runtime: Runtime, row: OutboxEvent) -> None:
    """Send one `whatsapp` outbox row (see the module docstring for what may happen)."""
    try:
        address = ChatAddress.from_dict(row.payload["address"])
        message = OutgoingMessage.from_dict(row.payload["message"])
    except (KeyError, ValueError, TypeError) as error:
        raise PermanentFailure(f"not a whatsapp payload: {error}") from error
    if address.channel is not ChannelName.WHATSAPP or row.shop_id is None:
        raise PermanentFailure("a whatsapp row needs a WhatsApp address and a shop")
    settings = runtime.settings
    number = await whatsapp_numbers.number_of_shop(
        row.shop_id,
        vault=Vault(settings.secrets_key),
        default=whatsapp_numbers.default_number(
            token=settings.whatsapp_token, phone_number_id=settings.whatsapp_phone_number_id
        ),
    )
    if number is None:
        raise PermanentFailure(f"shop {row.shop_id} has no WhatsApp number")
    async with WhatsAppClient(
        base_url=settings.whatsapp_api_base, version=settings.whatsapp_api_version
    ) as client:
        sender = client.number(
            phone_number_id=number.phone_number_id, access_token=number.access_token
        )
        try:
            if not row.payload.get("template_only") and await window_open(
                shop_id=row.shop_id, address=address, now=runtime.clock.now()
            ):
                try:
                    await _send_free_form(row, address, message, sender=sender, runtime=runtime)
                    return
                except ReengagementRequired:
                    log.info("whatsapp: Meta says the window is closed; a template instead")
            await _send_template(row, address, message, sender=sender, runtime=runtime)
        except InvalidRecipient as error:
            await report_undeliverable(
                shop_id=row.shop_id, address=address, now=runtime.clock.now()
            )
            raise PermanentFailure(f"WhatsApp cannot deliver to this number: {error}") from error
        except TemplateUnavailable as error:
            raise PermanentFailure(f"template refused: {error}") from error
        except BadRequest as error:
            raise PermanentFailure(f"Meta refused the message: {error}") from error


async def on_message_failed(event: DomainEvent) -> None:
    """A `failed` status callback: re-engagement → the template; invalid number → staff."""
    if event.payload.get("channel") != ChannelName.WHATSAPP.value or event.shop_id is None:
        return
    message = await Message.get_or_none(id=event.payload.get("message_id"))
    if message is None:
        return
    conversation = await Conversation.get(id=message.conversation_id)
    address = ChatAddress(ChannelName.WHATSAPP, conversation.external_id)
    code = event.payload.get("error_code")
    payload = message.payload or {}
    now = _clock.now()
    if code in REENGAGEMENT_CODES and payload.get("type") != "template" and payload.get("message"):
        await tell_whatsapp(
            address=address,
            message=OutgoingMessage.from_dict(payload["message"]),
            shop_id=event.shop_id,
            event_type=str(payload.get("event_type") or "message"),
            template_only=True,
            now=now,
        )
    elif code in INVALID_RECIPIENT_CODES:
        await report_undeliverable(shop_id=event.shop_id, address=address, now=now)


# The process's clock, handed over by `register` (subscribers are module functions, so the
# bus keeps one of each however many runtimes a process builds).
_clock: Clock = SystemClock()


def register(runtime: Runtime) -> None:
    global _clock
    _clock = runtime.clock
    bus.subscribe(CONVERSATION_MESSAGE_FAILED, on_message_failed)


def deliverers(runtime: Runtime) -> dict[str, Callable[[OutboxEvent], Awaitable[None]]]:
    async def deliver(row: OutboxEvent) -> None:
        await deliver_row(runtime, row)

    return {WHATSAPP_TOPIC: deliver}


async def download_photo(runtime: Runtime, *, shop_id: int, media_id: str) -> tuple[bytes, str]:
    """A photo a customer sent (its media id from `conversation.message_received`'s data),
    fetched from Meta with the shop's number's token: (bytes, mime type)."""
    settings = runtime.settings
    number = await whatsapp_numbers.number_of_shop(
        shop_id,
        vault=Vault(settings.secrets_key),
        default=whatsapp_numbers.default_number(
            token=settings.whatsapp_token, phone_number_id=settings.whatsapp_phone_number_id
        ),
    )
    if number is None:
        raise PermanentFailure(f"shop {shop_id} has no WhatsApp number")
    async with WhatsAppClient(
        base_url=settings.whatsapp_api_base, version=settings.whatsapp_api_version
    ) as client:
        return await client.download_media(media_id=media_id, access_token=number.access_token)
