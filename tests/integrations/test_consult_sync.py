"""Consultations reach the firm's Chatwoot and 1C through the outbox: fake Chatwoot and
fake 1C servers on loopback (real HTTP) record what they receive. Once each, through
outages, timeouts and a restart of our process; Chatwoot's signed webhook closes the
ticket, a forged one is refused."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.consultations import chatwoot_events, connections
from core.customers import link_chat
from core.db import close_db, init_db
from core.i18n import translate
from core.models import Consultation, Customer, Integration, OutboxEvent, OutboxStatus
from core.outbox import OutboxWorker
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from core.vault import Vault
from sauda.wiring import build_outbox_worker, build_runtime
from tests.api.consult.conftest import Firm, call
from tests.api.consult.test_integrator import DOCUMENT_CURL
from tests.fakes.chatwoot import FakeChatwoot
from tests.fakes.onec import FakeOneC

CW_TOKEN = "cw-api-token-0123456789"
CW_SECRET = "cw-webhook-secret-0123456789"
ONEC_PASSWORD = "1c-password-0123"


@dataclass
class Outside:
    chatwoot: FakeChatwoot
    onec: FakeOneC
    integration_id: str


@pytest.fixture
async def outside(runtime: Runtime, firm: Firm) -> AsyncIterator[Outside]:
    chatwoot = await FakeChatwoot(token=CW_TOKEN, account_id=3).start()
    onec = await FakeOneC(username="site", password=ONEC_PASSWORD).start()
    vault = Vault(runtime.settings.secrets_key)
    integration = await connections.connect_chatwoot(
        shop_id=firm.shop.id,
        base_url=chatwoot.base_url,
        account_id=3,
        inbox_id=7,
        api_access_token=CW_TOKEN,
        webhook_secret=CW_SECRET,
        vault=vault,
    )
    await connections.connect_onec(
        shop_id=firm.shop.id,
        base_url=onec.base_url,
        username="site",
        password=ONEC_PASSWORD,
        vault=vault,
    )
    yield Outside(chatwoot, onec, str(integration.public_id))
    await chatwoot.stop()
    await onec.stop()


async def _ask(consult: TestClient, firm: Firm, comment: str | None = None) -> dict:
    body = json.loads(DOCUMENT_CURL)
    if comment is not None:
        body["consultation"]["comment"] = comment
    return await call(consult, "POST", "/api/consultations/create", firm.headers, body)


async def test_with_both_up_a_consultation_appears_in_both_once(
    consult: TestClient, firm: Firm, outside: Outside, runtime: Runtime
) -> None:
    created = await _ask(consult, firm)
    ours = created["consultation"]["cons_id"]
    worker = build_outbox_worker(runtime)
    assert await worker.drain() == 2

    [contact] = outside.chatwoot.contacts
    assert contact["email"] == "user@example.com"
    assert contact["phone_number"] == "+998901234567"
    assert contact["custom_attributes"]["org_inn"] == "123456789"
    [conversation] = outside.chatwoot.conversations
    assert conversation["inbox_id"] == 7 and conversation["contact_id"] == contact["id"]
    assert conversation["message"] == {"content": "Нужна консультация по НДС"}
    assert conversation["custom_attributes"]["sauda_consultation_id"] == ours
    assert conversation["custom_attributes"]["org_inn"] == "123456789"
    [document] = outside.onec.all()
    assert document["ВнешнийИдентификатор"] == ours
    assert document["Описание"] == "Нужна консультация по НДС"
    assert document["ИНН"] == "123456789"

    # The ticket now carries Chatwoot's id and 1C's number; our id still finds it.
    for cons_id in (ours, str(conversation["id"])):
        ticket = await call(consult, "GET", f"/api/tickets/{cons_id}", firm.headers)
        assert ticket["cons_id"] == str(conversation["id"])
        assert ticket["cl_ref_key"] == document["Ref_Key"]
        assert ticket["number"] == document["Number"]
    # The same request again is the same consultation, nothing more is sent.
    again = await _ask(consult, firm)
    assert again["consultation"]["cons_id"] == str(conversation["id"])
    assert await worker.drain() == 0
    assert len(outside.chatwoot.conversations) == 1 and len(outside.onec.all()) == 1


async def test_with_both_down_consultations_are_created_then_synced_once_across_a_restart(
    consult: TestClient, firm: Firm, outside: Outside, runtime: Runtime, clock: FrozenClock
) -> None:
    await outside.chatwoot.stop()
    await outside.onec.stop()
    asked = [await _ask(consult, firm, f"Вопрос {n}") for n in range(3)]
    for answer in asked:
        assert uuid.UUID(answer["consultation"]["cons_id"])
        assert answer["consultation"]["number"] is None
    worker = build_outbox_worker(runtime)
    for _ in range(3):
        assert await worker.drain() == 0
        clock.advance(minutes=5)
    rows = await OutboxEvent.filter(shop_id=firm.shop.id).order_by("id")
    assert len(rows) == 6 and all(r.status == OutboxStatus.PENDING for r in rows)
    assert all(r.attempts >= 1 for r in rows)

    # Our process restarts while they are still down: same database, a new worker.
    await close_db()
    await init_db(runtime.settings.effective_database_url)
    restarted = build_runtime(runtime.settings, clock=clock, kv=runtime.kv)
    worker = build_outbox_worker(restarted)
    assert await worker.drain() == 0

    await outside.chatwoot.start()
    await outside.onec.start()
    clock.advance(hours=1)
    assert await worker.drain(max_rounds=50) == 6
    clock.advance(hours=1)
    assert await worker.drain() == 0

    ours = sorted(a["consultation"]["cons_id"] for a in asked)
    markers = [
        c["custom_attributes"]["sauda_consultation_id"] for c in outside.chatwoot.conversations
    ]
    assert sorted(markers) == ours
    assert sorted(d["ВнешнийИдентификатор"] for d in outside.onec.all()) == ours
    assert len(outside.chatwoot.contacts) == 1
    for answer in asked:
        ticket = await call(
            consult, "GET", f"/api/tickets/{answer['consultation']['cons_id']}", firm.headers
        )
        assert ticket["cons_id"].isdigit() and ticket["number"] is not None


async def test_a_retry_after_a_timeout_creates_nothing_twice(
    consult: TestClient, firm: Firm, outside: Outside, runtime: Runtime, clock: FrozenClock
) -> None:
    await _ask(consult, firm)
    outside.chatwoot.hang_next_create = 3.0
    outside.onec.hang_next_create = 3.0
    worker = OutboxWorker(
        build_outbox_worker(runtime).deliverers, clock=clock, delivery_timeout=1.0
    )
    assert await worker.drain() == 0
    # Created on their side, but the answers never arrived.
    assert len(outside.chatwoot.conversations) == 1 and len(outside.onec.all()) == 1
    assert await Consultation.filter(chatwoot_conversation_id=None).count() == 1
    clock.advance(minutes=5)
    assert await worker.drain() == 2
    assert len(outside.chatwoot.conversations) == 1 and len(outside.onec.all()) == 1
    consultation = await Consultation.get(shop_id=firm.shop.id)
    assert consultation.chatwoot_conversation_id == str(outside.chatwoot.conversations[0]["id"])
    assert consultation.onec_ref_key == outside.onec.all()[0]["Ref_Key"]


def _signed(
    body: bytes, *, secret: str = CW_SECRET, at: int | None = None, delivery: str = "d-1"
) -> dict[str, str]:
    timestamp = str(at if at is not None else int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-Chatwoot-Signature": chatwoot_events.signature(secret, timestamp, body),
        "X-Chatwoot-Timestamp": timestamp,
        "X-Chatwoot-Delivery": delivery,
    }


async def test_a_signed_chatwoot_webhook_resolves_the_ticket_and_a_forged_one_is_refused(
    consult: TestClient, firm: Firm, outside: Outside, runtime: Runtime, clock: FrozenClock
) -> None:
    created = await _ask(consult, firm)
    await build_outbox_worker(runtime).drain()
    conversation_id = outside.chatwoot.conversations[0]["id"]
    url = f"/api/chatwoot/webhook/{outside.integration_id}"
    now = int(clock.now().timestamp())

    def event(status: str) -> bytes:
        return json.dumps(
            {"event": "conversation_status_changed", "id": conversation_id, "status": status}
        ).encode()

    # Forged: another secret, no signature, stale, altered body; nothing moves.
    body = event("resolved")
    for headers in (
        _signed(body, secret="not-the-secret", at=now),
        {"Content-Type": "application/json"},
        _signed(body, at=now - 3600),
    ):
        response = await consult.post(url, data=body, headers=headers)
        assert response.status == 401, await response.text()
        assert set(await response.json()) == {"detail"}
    response = await consult.post(url, data=event("open"), headers=_signed(body, at=now))
    assert response.status == 401
    response = await consult.post(
        f"/api/chatwoot/webhook/{uuid.uuid4()}", data=body, headers=_signed(body, at=now)
    )
    assert response.status == 404
    ticket = await call(consult, "GET", f"/api/tickets/{conversation_id}", firm.headers)
    assert ticket["status"] == "new"

    # An agent opens it: pending; resolves it: closed, with its end date.
    opened = event("open")
    response = await consult.post(url, data=opened, headers=_signed(opened, at=now, delivery="d-1"))
    assert (await response.json()) == {"outcome": "applied"}
    ticket = await call(consult, "GET", f"/api/tickets/{conversation_id}", firm.headers)
    assert ticket["status"] == "pending"
    response = await consult.post(url, data=body, headers=_signed(body, at=now, delivery="d-2"))
    assert response.status == 200 and (await response.json()) == {"outcome": "applied"}
    ticket = await call(
        consult, "GET", f"/api/tickets/{created['consultation']['cons_id']}", firm.headers
    )
    assert ticket["status"] == "closed" and ticket["end_date"] is not None
    # The same delivery again takes no effect (the ticket stays closed).
    response = await consult.post(url, data=opened, headers=_signed(opened, at=now, delivery="d-1"))
    assert (await response.json()) == {"outcome": "duplicate"}
    ticket = await call(consult, "GET", f"/api/tickets/{conversation_id}", firm.headers)
    assert ticket["status"] == "closed"


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_secrets_are_sealed_at_rest_and_masked(
    runtime: Runtime, firm: Firm, outside: Outside
) -> None:
    vault = Vault(runtime.settings.secrets_key)
    for integration in await Integration.filter(shop_id=firm.shop.id):
        stored = json.dumps(integration.secrets)
        for secret in (CW_TOKEN, CW_SECRET, ONEC_PASSWORD):
            assert secret not in stored
        view = json.dumps(connections.masked_view(integration, vault=vault))
        for secret in (CW_TOKEN, CW_SECRET, ONEC_PASSWORD):
            assert secret not in view
    chatwoot = await connections.chatwoot_of_shop(firm.shop.id, vault=vault)
    assert chatwoot is not None and chatwoot.api_access_token == CW_TOKEN


async def test_staff_scheduling_in_chatwoot_tells_the_customer_on_each_chat_in_firm_time(
    consult: TestClient, firm: Firm, outside: Outside, runtime: Runtime, clock: FrozenClock
) -> None:
    created = await _ask(consult, firm)
    await build_outbox_worker(runtime).drain()
    conversation_id = outside.chatwoot.conversations[0]["id"]
    customer = await Customer.get(public_id=created["client_id"])
    chats = [
        ChatAddress(ChannelName.TELEGRAM, "5550001"),
        ChatAddress(ChannelName.WHATSAPP, "998901234567"),
    ]
    for address in chats:
        await link_chat(shop_id=firm.shop.id, customer_id=customer.id, address=address)
    zone = ZoneInfo(firm.shop.timezone)
    url = f"/api/chatwoot/webhook/{outside.integration_id}"
    now = int(clock.now().timestamp())

    async def agent_sets(at: str, delivery: str) -> list[str]:
        body = json.dumps(
            {
                "event": "conversation_updated",
                "id": conversation_id,
                "custom_attributes": {"scheduled_at": at},
            }
        ).encode()
        response = await consult.post(
            url, data=body, headers=_signed(body, at=now, delivery=delivery)
        )
        assert (await response.json()) == {"outcome": "applied"}
        rows = await OutboxEvent.filter(event_type="consultation.scheduled").order_by("id")
        told = []
        for row in rows:
            message = row.payload["message"]
            told.append(
                (
                    row.topic,
                    translate(message["text"], message["language"] or "ru", message["params"]),
                )
            )
        await OutboxEvent.filter(event_type="consultation.scheduled").delete()
        return told

    first = datetime(2026, 12, 10, 5, 0, tzinfo=UTC)
    local = first.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    told = await agent_sets("2026-12-10T05:00:00Z", "s-1")
    text = f"Ваша консультация назначена на {local} (время {firm.shop.timezone})."
    assert sorted(told) == [("telegram", text), ("whatsapp", text)]
    ticket = await call(consult, "GET", f"/api/tickets/{conversation_id}", firm.headers)
    assert ticket["start_date"] == "2026-12-10T05:00:00Z" or ticket["start_date"].startswith(
        "2026-12-10T05:00:00"
    )
    moved = datetime(2026, 12, 11, 9, 30, tzinfo=UTC).astimezone(zone).strftime("%d.%m.%Y %H:%M")
    told = await agent_sets("2026-12-11T09:30:00+00:00", "s-2")
    text = f"Ваша консультация перенесена на {moved} (время {firm.shop.timezone})."
    assert sorted(told) == [("telegram", text), ("whatsapp", text)]
    # The same time again (another delivery) tells nobody.
    assert await agent_sets("2026-12-11T09:30:00Z", "s-3") == []


async def test_a_time_staff_set_in_1c_s_document_reschedules_and_tells_the_customer(
    consult: TestClient, firm: Firm, outside: Outside, runtime: Runtime
) -> None:
    body = json.loads(DOCUMENT_CURL)
    body["consultation"]["scheduled_at"] = "2026-12-10T05:00:00Z"
    created = await call(consult, "POST", "/api/consultations/create", firm.headers, body)
    customer = await Customer.get(public_id=created["client_id"])
    await link_chat(
        shop_id=firm.shop.id,
        customer_id=customer.id,
        address=ChatAddress(ChannelName.TELEGRAM, "5550002"),
    )
    await OutboxEvent.filter(event_type="consultation.scheduled").delete()
    consultation = await Consultation.get(shop_id=firm.shop.id)
    # A staff member already has the document in 1C (an earlier attempt made it) and
    # moved the consultation there: the sync finds it and takes 1C's time.
    outside.onec.documents["Document_Консультация"] = [
        {
            "ВнешнийИдентификатор": str(consultation.public_id),
            "Ref_Key": str(uuid.uuid4()),
            "Number": "00000777777",
            "ДатаКонсультации": "2026-12-12T07:15:00",
        }
    ]
    await build_outbox_worker(runtime).drain()
    assert len(outside.onec.all()) == 1
    ticket = await call(
        consult, "GET", f"/api/tickets/{created['consultation']['cons_id']}", firm.headers
    )
    assert ticket["start_date"].startswith("2026-12-12T07:15:00")
    zone = ZoneInfo(firm.shop.timezone)
    local = datetime(2026, 12, 12, 7, 15, tzinfo=UTC).astimezone(zone).strftime("%d.%m.%Y %H:%M")
    [row] = await OutboxEvent.filter(event_type="consultation.scheduled")
    message = row.payload["message"]
    assert row.topic == "telegram"
    assert translate(message["text"], "ru", message["params"]) == (
        f"Ваша консультация перенесена на {local} (время {firm.shop.timezone})."
    )
