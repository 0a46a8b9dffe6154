"""Consultations: asked for through the consult contract or in chat, one core service.

`request_consultation` writes the client (upsert), the consultation and its two outbox
rows (`chatwoot`, `onec`) in one transaction, so a consultation is never created
without its sync, nor synced without being created. A request repeated with the same
client, question and schedule within DEDUP_WINDOW is the same consultation (the
client's row is locked while looking, so two at once find each other).

`cons_id` is Chatwoot's conversation id once it has answered, our own id before; both
find the consultation for ever (`consultation_by_cons_id`).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import outbox
from core.channels.telegram_out import send_chat_message
from core.consultations.clients import (
    CLIENT_REQUIRED,
    Client,
    ClientData,
    client_by_id,
    parse_client_id,
    upsert_client,
)
from core.customers import customer_by_address
from core.errors import BadRequest, NotFound
from core.models import Consultation, ConsultationStatus, Customer, OrganisationProfile, Shop
from core.notify import tell_customer
from core.ports.chat import ChatAddress, OutgoingMessage


# Texts queued for the bot to render in the reader's language (extracted by Babel).
def _(message: str) -> str:
    return message


NUMBERED = _("Your consultation request has number {number} in our records.")
SCHEDULED = _("Your consultation is scheduled for {when} ({zone} time).")
RESCHEDULED = _("Your consultation has been moved to {when} ({zone} time).")
STAFF_NEW_ASAP = _(
    "New consultation request: {topic}\n{comment}\nClient: {client}\n"
    "When: as soon as possible\nFrom: {source}"
)
STAFF_NEW_AT = _(
    "New consultation request: {topic}\n{comment}\nClient: {client}\nWhen: {when}\nFrom: {source}"
)

DEDUP_WINDOW = timedelta(minutes=10)
LANGUAGES = ("ru", "uz")
CHATWOOT_TOPIC = "chatwoot"
ONEC_TOPIC = "onec"
SYNC_TOPICS = (CHATWOOT_TOPIC, ONEC_TOPIC)


@dataclass(frozen=True)
class ConsultationData:
    comment: str
    lang: str = "ru"
    topic: str | None = None
    online_question_cat: str | None = None
    online_question: str | None = None
    importance: int | None = None
    scheduled_at: datetime | None = None
    org_inn: str | None = None
    cl_ref_key: str | None = None
    client_id: str | None = None


@dataclass(frozen=True)
class Requested:
    consultation: Consultation
    client: Client
    created: bool


def fingerprint(*, customer_id: int, comment: str, scheduled_at: datetime | None) -> str:
    schedule = scheduled_at.isoformat() if scheduled_at is not None else ""
    text = f"{customer_id}\x1f{' '.join(comment.split())}\x1f{schedule}"
    return hashlib.sha256(text.encode()).hexdigest()


async def request_consultation(
    *,
    shop_id: int,
    details: ConsultationData,
    client: ClientData | None = None,
    source: str = "SITE",
    now: datetime,
) -> Requested:
    """Create a consultation for a client (upserted from `client`, or named by
    `details.client_id`), with its Chatwoot and 1C sync queued.

    Outcomes: created; the same consultation again (a repeat within the window);
    BadRequest without client data or client id, or without a question; NotFound for
    an unknown client id.
    """
    comment = details.comment.strip()
    if not comment:
        raise BadRequest("Consultation comment is required")
    if details.lang not in LANGUAGES:
        raise BadRequest("lang must be 'ru' or 'uz'")
    async with in_transaction():
        if client is not None and not client.is_empty():
            data = client
            if not data.client_id and details.client_id:
                data = ClientData(**{**data.__dict__, "client_id": details.client_id})
            found = await upsert_client(shop_id=shop_id, data=data)
        elif details.client_id:
            found = await client_by_id(shop_id=shop_id, client_id=details.client_id)
        else:
            raise BadRequest(CLIENT_REQUIRED)
        customer = await Customer.filter(id=found.customer.id).select_for_update().get()
        mark = fingerprint(
            customer_id=customer.id, comment=comment, scheduled_at=details.scheduled_at
        )
        repeated = (
            await Consultation.filter(
                customer_id=customer.id, fingerprint=mark, created_at__gte=now - DEDUP_WINDOW
            )
            .order_by("-id")
            .first()
        )
        if repeated is not None:
            return Requested(repeated, found, False)
        profile = found.profile
        consultation = await Consultation.create(
            shop_id=shop_id,
            customer_id=customer.id,
            lang=details.lang,
            comment=comment,
            topic=details.topic,
            online_question_cat=details.online_question_cat,
            online_question=details.online_question,
            importance=details.importance,
            org_inn=details.org_inn or profile.inn,
            scheduled_at=details.scheduled_at,
            source=source,
            fingerprint=mark,
            onec_ref_key=None,
            created_at=now,
        )
        for topic in SYNC_TOPICS:
            await outbox.enqueue(
                topic=topic,
                event_type="consultation.created",
                payload={"consultation_id": consultation.id},
                shop_id=shop_id,
                key=f"{topic}:consultation:{consultation.id}",
                destination=f"shop:{shop_id}",
                now=now,
            )
        await _tell_staff(shop_id, consultation, customer, consultation.org_inn, now=now)
        if consultation.scheduled_at is not None:
            await _tell_schedule(consultation, SCHEDULED, now=now)
    return Requested(consultation, found, True)


async def schedule(*, consultation: Consultation, at: datetime, now: datetime) -> bool:
    """Staff (in Chatwoot or in 1C) set or moved the consultation's time: record it and
    tell the customer on their chats, in their language and the firm's local time.
    True if the time changed (the same time again tells nobody)."""
    if consultation.scheduled_at is not None and (
        consultation.scheduled_at.replace(microsecond=0) == at.replace(microsecond=0)
    ):
        return False
    text = SCHEDULED if consultation.scheduled_at is None else RESCHEDULED
    consultation.scheduled_at = at
    await consultation.save(update_fields=["scheduled_at", "updated_at"])
    await _tell_schedule(consultation, text, now=now)
    return True


async def _tell_schedule(consultation: Consultation, text: str, *, now: datetime) -> None:
    assert consultation.scheduled_at is not None
    shop = await Shop.get(id=consultation.shop_id)  # type: ignore[attr-defined]
    customer = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
    local = consultation.scheduled_at.astimezone(ZoneInfo(shop.timezone))
    await tell_customer(
        customer_id=customer.id,
        message=OutgoingMessage(
            text=text,
            params={"when": local.strftime("%d.%m.%Y %H:%M"), "zone": shop.timezone},
            language=customer.language or shop.locale,
        ),
        shop_id=shop.id,
        event_type="consultation.scheduled",
        now=now,
    )


async def _tell_staff(
    shop_id: int,
    consultation: Consultation,
    customer: Customer,
    inn: str | None,
    *,
    now: datetime,
) -> None:
    """A new consultation is shown in the firm's staff chat (when it has linked one)."""
    shop = await Shop.get(id=shop_id)
    if shop.staff_chat_id is None:
        return
    client = ", ".join(
        part
        for part in (customer.name, customer.phone, customer.email, inn and f"INN {inn}")
        if part
    )
    params = {
        "topic": consultation.topic or "—",
        "comment": consultation.comment[:1500],
        "client": client or "—",
        "source": consultation.source,
    }
    text = STAFF_NEW_ASAP
    if consultation.scheduled_at is not None:
        local = consultation.scheduled_at.astimezone(ZoneInfo(shop.timezone))
        params["when"] = local.strftime("%d.%m.%Y %H:%M")
        text = STAFF_NEW_AT
    await send_chat_message(
        chat_id=shop.staff_chat_id,
        text=text,
        params=params,
        language=shop.locale,
        shop_id=shop_id,
        event_type="consultation.created",
        now=now,
    )


def parse_when(text: str, *, zone: ZoneInfo, now: datetime) -> datetime | None:
    """A preferred time typed in chat (`25.12 15:00` or `25.12.2026 15:00`, the firm's
    local time); None when it does not read or is not in the future."""
    local = now.astimezone(zone)
    for pattern in ("%d.%m.%Y %H:%M", "%d.%m %H:%M"):
        try:
            parsed = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        if pattern == "%d.%m %H:%M":
            try:
                parsed = parsed.replace(year=local.year)
            except ValueError:
                return None
        moment = parsed.replace(tzinfo=zone)
        return moment if moment > local else None
    return None


def chat_language(language: str | None) -> str:
    """The consultation's language (ru or uz) for a chat customer's language."""
    return "uz" if (language or "").startswith("uz") else "ru"


def cons_id(consultation: Consultation) -> str:
    """What integrators call the consultation: Chatwoot's id once known, ours before."""
    return consultation.chatwoot_conversation_id or str(consultation.public_id)


async def consultation_by_cons_id(*, shop_id: int, cons_id: str) -> Consultation:
    """By Chatwoot's conversation id or by our own id (which keeps working)."""
    text = cons_id.strip()
    if text.isdigit() and len(text) <= 32:
        condition = Q(chatwoot_conversation_id=text)
    else:
        try:
            condition = Q(public_id=uuid.UUID(text))
        except ValueError:
            raise NotFound("Consultation") from None
    found = await Consultation.filter(condition, shop_id=shop_id).order_by("id").first()
    if found is None:
        raise NotFound("Consultation")
    return found


async def chat_consultations(
    *, shop_id: int, address: ChatAddress, limit: int = 10
) -> list[Consultation]:
    """The consultations of the customer of a chat, newest first (none: unknown chat)."""
    customer = await customer_by_address(shop_id=shop_id, address=address)
    if customer is None:
        return []
    rows = (
        await Consultation.filter(shop_id=shop_id, customer_id=customer.id)
        .order_by("-id")
        .limit(limit)
    )
    return list(rows)


async def consultations_of_client(
    *, shop_id: int, client_id: str, offset: int, limit: int
) -> tuple[list[Consultation], int]:
    """A client's consultations, newest first, and how many there are."""
    customer = await Customer.get_or_none(shop_id=shop_id, public_id=parse_client_id(client_id))
    if customer is None:
        raise NotFound("Client")
    query = Consultation.filter(shop_id=shop_id, customer_id=customer.id)
    total = await query.count()
    rows = await query.order_by("-created_at", "-id").offset(offset).limit(limit)
    return list(rows), total


async def set_status(
    *, consultation: Consultation, status: ConsultationStatus, now: datetime
) -> bool:
    """Move a consultation to `status`; closing it records its end. True if it moved."""
    if consultation.status == status:
        return False
    consultation.status = status
    fields = ["status", "updated_at"]
    if status == ConsultationStatus.CLOSED and consultation.ended_at is None:
        consultation.ended_at = now
        fields.append("ended_at")
    await consultation.save(update_fields=fields)
    return True


@dataclass(frozen=True)
class SyncSubject:
    """What the sync to Chatwoot and 1C sends about one consultation."""

    consultation: Consultation
    customer: Customer
    profile: OrganisationProfile | None


async def sync_subject(consultation_id: int) -> SyncSubject | None:
    """The consultation with its client, or None when it is gone."""
    consultation = await Consultation.get_or_none(id=consultation_id)
    if consultation is None:
        return None
    customer = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
    profile = await OrganisationProfile.get_or_none(customer_id=customer.id)
    return SyncSubject(consultation, customer, profile)


async def record_chatwoot(*, consultation_id: int, conversation_id: str) -> None:
    """Chatwoot's conversation id arrived: from now on it is the `cons_id`."""
    await Consultation.filter(id=consultation_id, chatwoot_conversation_id=None).update(
        chatwoot_conversation_id=conversation_id
    )


async def record_onec(
    *,
    consultation_id: int,
    ref_key: str,
    number: str | None,
    scheduled_at: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """1C created (or already had) the document: its Ref_Key and number. The customer is
    told the number on their chats (a consultation asked for in Telegram or WhatsApp),
    once; a consultation time 1C's document has that differs from ours is staff's
    (re)scheduling (`schedule`)."""
    async with in_transaction():
        recorded = await Consultation.filter(id=consultation_id, onec_ref_key=None).update(
            onec_ref_key=ref_key, number=number
        )
        if not recorded:
            return
        consultation = await Consultation.get(id=consultation_id)
        if scheduled_at is not None:
            await schedule(
                consultation=consultation, at=scheduled_at, now=now or consultation.created_at
            )
        if not number:
            return
        customer = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
        await tell_customer(
            customer_id=customer.id,
            message=OutgoingMessage(
                text=NUMBERED, params={"number": number}, language=customer.language
            ),
            shop_id=consultation.shop_id,  # type: ignore[attr-defined]
            event_type="consultation.numbered",
            now=now,
        )
