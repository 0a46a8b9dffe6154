"""Plugin: consultations to the firm's Chatwoot and 1C:ЦЛ, out of the outbox (see
sauda.wiring.PLUGINS). Topics `chatwoot` and `onec`, one row per consultation each,
written with it (core.consultations.service).

Every delivery first looks for what an earlier attempt may already have created, so a
retry after a timeout or a lost answer creates nothing twice:

- Chatwoot: the contact is searched by email, then phone (created when missing, with
  the organisation as custom attributes); the contact's conversations are searched for
  our consultation id (custom attribute `sauda_consultation_id`); only then a
  conversation is created in the firm's inbox with the question as its first message.
  Its id becomes the consultation's `cons_id`.
- 1C: the document set (`Document_Консультация` unless the connection names another)
  is filtered on `ВнешнийИдентификатор` = our consultation id; only then the document is
  created. Its `Ref_Key` and `Number` become `cl_ref_key` and `number`.

A firm without that connection fails the row for good (nothing to sync to); an outage
raises, and the worker retries with back-off and its circuit breaker (core.outbox).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.clock import Clock
from core.consultations import connections, service
from core.models import OutboxEvent
from core.outbox import Deliverer, PermanentFailure
from core.runtime import Runtime
from core.vault import Vault
from integrations.chatwoot import ChatwootClient
from integrations.onec import OneCClient

MARKER = "sauda_consultation_id"
ONEC_MARKER = "ВнешнийИдентификатор"
ONEC_EMPTY_DATE = "0001-01-01T00:00:00"


def _onec_date(value: datetime | None) -> str:
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        if value is not None
        else ONEC_EMPTY_DATE
    )


def read_onec_date(value: Any) -> datetime | None:
    """A date of 1C's document as we write them (UTC, no offset); None when empty."""
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def organisation_attributes(subject: service.SyncSubject) -> dict[str, Any]:
    profile = subject.profile
    if profile is None:
        return {}
    values = {
        "org_inn": profile.inn,
        "org_id": profile.org_id,
        "country": profile.country,
        "region": profile.region,
        "city": profile.city,
        "subs_id": profile.subscription,
        "subs_start": profile.subscription_start.isoformat()
        if profile.subscription_start
        else None,
        "subs_end": profile.subscription_end.isoformat() if profile.subscription_end else None,
        "tariff_id": profile.tariff,
        "tariffperiod_id": profile.tariff_period,
        "cl_ref_key": profile.onec_ref_key,
    }
    return {name: value for name, value in values.items() if value is not None}


async def _subject(row: OutboxEvent) -> service.SyncSubject:
    subject = await service.sync_subject(int(row.payload["consultation_id"]))
    if subject is None:
        raise PermanentFailure("the consultation is gone")
    return subject


def chatwoot_deliverer(vault: Vault) -> Deliverer:
    async def deliver(row: OutboxEvent) -> None:
        subject = await _subject(row)
        consultation, customer = subject.consultation, subject.customer
        if consultation.chatwoot_conversation_id:
            return
        connection = await connections.chatwoot_of_shop(consultation.shop_id, vault=vault)  # type: ignore[attr-defined]
        if connection is None:
            raise PermanentFailure("the firm has no Chatwoot connected")
        client = ChatwootClient(
            base_url=connection.base_url,
            account_id=connection.account_id,
            api_access_token=connection.api_access_token,
        )
        contact = None
        for query in (customer.email, customer.phone):
            if query and contact is None:
                found = await client.search_contacts(query)
                contact = next(
                    (c for c in found if query in (c.get("email"), c.get("phone_number"))), None
                )
        attributes = organisation_attributes(subject)
        if contact is None:
            contact = await client.create_contact(
                inbox_id=connection.inbox_id,
                name=customer.name or customer.email or customer.phone,
                email=customer.email,
                phone_number=customer.phone or None,
                attributes=attributes,
            )
        marker = str(consultation.public_id)
        conversation = next(
            (
                c
                for c in await client.contact_conversations(int(contact["id"]))
                if (c.get("custom_attributes") or {}).get(MARKER) == marker
            ),
            None,
        )
        if conversation is None:
            conversation = await client.create_conversation(
                inbox_id=connection.inbox_id,
                contact_id=int(contact["id"]),
                content=consultation.comment,
                custom_attributes={
                    MARKER: marker,
                    **attributes,
                    "topic": consultation.topic,
                    "lang": consultation.lang,
                    "importance": consultation.importance,
                    "scheduled_at": consultation.scheduled_at.isoformat()
                    if consultation.scheduled_at
                    else None,
                    "source": consultation.source,
                },
                additional_attributes={"source": consultation.source},
            )
        await service.record_chatwoot(
            consultation_id=consultation.id, conversation_id=str(conversation["id"])
        )

    return deliver


def onec_document(subject: service.SyncSubject) -> dict[str, Any]:
    """The 1C:ЦЛ document of a consultation."""
    consultation, customer, profile = subject.consultation, subject.customer, subject.profile
    document: dict[str, Any] = {
        ONEC_MARKER: str(consultation.public_id),
        "Date": _onec_date(consultation.created_at),
        "Описание": consultation.comment,
        "Тема": consultation.topic or "",
        "ИНН": consultation.org_inn or "",
        "Язык": consultation.lang,
        "ДатаКонсультации": _onec_date(consultation.scheduled_at),
        "Важность": consultation.importance or 0,
        "Email": customer.email or "",
        "Телефон": customer.phone,
        "Источник": consultation.source,
    }
    if profile is not None and profile.onec_ref_key:
        document["Контрагент_Key"] = profile.onec_ref_key
    if consultation.online_question_cat:
        document["КатегорияВопроса_Key"] = consultation.online_question_cat
    if consultation.online_question:
        document["ВопросНаКонсультацию_Key"] = consultation.online_question
    return document


def onec_deliverer(vault: Vault, clock: Clock | None = None) -> Deliverer:
    async def deliver(row: OutboxEvent) -> None:
        subject = await _subject(row)
        consultation = subject.consultation
        if consultation.onec_ref_key:
            return
        connection = await connections.onec_of_shop(consultation.shop_id, vault=vault)  # type: ignore[attr-defined]
        if connection is None:
            raise PermanentFailure("the firm has no 1C connected")
        client = OneCClient(
            base_url=connection.base_url,
            username=connection.username,
            password=connection.password,
        )
        marker = str(consultation.public_id)
        document = await client.find(connection.document, field=ONEC_MARKER, value=marker)
        if document is None:
            document = await client.create(connection.document, onec_document(subject))
        number = document.get("Number")
        await service.record_onec(
            consultation_id=consultation.id,
            ref_key=str(document["Ref_Key"]),
            number=str(number) if number is not None else None,
            scheduled_at=read_onec_date(document.get("ДатаКонсультации")),
            now=clock.now() if clock is not None else None,
        )

    return deliver


def deliverers(runtime: Runtime) -> dict[str, Deliverer]:
    vault = Vault(runtime.settings.secrets_key)
    return {
        service.CHATWOOT_TOPIC: chatwoot_deliverer(vault),
        service.ONEC_TOPIC: onec_deliverer(vault, runtime.clock),
    }
