"""A service firm's customer asks for a consultation on WhatsApp (core.flows.shop_chat
through the signed webhook, the outbox, the real Graph client and the fake Graph
server): the firm's menu offers it, the question is registered through the same service
as the site's and Telegram's, synced to the firm's fake 1C, and 1C's number comes back
in the chat. A shop that is no firm offers no consultation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from core.consultations import connections
from core.customers import chat_addresses
from core.models import Consultation, Customer, Shop
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from core.vault import Vault
from sauda.wiring import build_outbox_worker
from tests.bot.whatsapp.dialogue_world import (  # noqa: F401 (fixtures)
    WA_ID,
    act,
    clock,
    customer,
    graph,
    settings_overrides,
)
from tests.factories import make_shop
from tests.fakes.onec import FakeOneC
from tests.fakes.whatsapp import FakeGraph, WhatsAppCustomer

ASK: list[tuple[tuple[str, str], tuple[str, ...]]] = [
    (("send", "hi"), ("What would you like to do?",)),
    (("press", "📝 Consultation"), ("What is your consultation about?",)),
    (("photo", ""), ("Please write it as text.", "What is your consultation about?")),
    (("send", "VAT"), ("Describe your question in one message.",)),
    (("send", "Do I pay VAT on exports?"), ("When would you like the consultation?",)),
    (("send", "09.03 11:00"), ("Please send a future date and time", "When would you like")),
    (("send", "15.03 11:00"), ("Thank you! Your consultation request is registered.",)),
    # Their consultations: from the menu, and as a text command (status and firm time).
    (
        ("press", "📋 My consultations"),
        ("Your consultations:", "VAT: new request, 15.03.2026 11:00"),
    ),
    (("send", "/consultations"), ("Your consultations:", "VAT: new request, 15.03.2026 11:00")),
]


@pytest.fixture
async def onec() -> AsyncIterator[FakeOneC]:
    fake = await FakeOneC(username="wa", password="1c-password").start()
    yield fake
    await fake.stop()


@pytest.fixture
async def shop(runtime: Runtime, onec: FakeOneC) -> Shop:
    shop = await make_shop("Buxgalteriya", slug="buh", locale="en")
    await Customer.create(shop=shop, phone="+77011234567", name="Aigerim", language="en")
    await connections.connect_onec(
        shop_id=shop.id,
        base_url=onec.base_url,
        username="wa",
        password="1c-password",
        vault=Vault(runtime.settings.secrets_key),
    )
    return shop


async def test_a_firm_s_customer_asks_for_a_consultation_on_whatsapp(
    runtime: Runtime,
    shop: Shop,
    customer: WhatsAppCustomer,  # noqa: F811
    graph: FakeGraph,  # noqa: F811
    onec: FakeOneC,
) -> None:
    for do, expected in ASK:
        answers = await act(customer, graph, do)
        said = "\n".join(answers)
        for part in expected:
            assert part in said, f"{do}: {part!r} not in {answers!r}"
    consultation = await Consultation.get(shop_id=shop.id)
    assert (consultation.topic, consultation.comment) == ("VAT", "Do I pay VAT on exports?")
    assert consultation.source == "WHATSAPP"
    # 11:00 in Almaty (the firm's time) on 15.03.
    assert consultation.scheduled_at == datetime(2026, 3, 15, 6, 0, tzinfo=UTC)
    client = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
    assert client.phone == "+77011234567"
    assert await chat_addresses(customer_id=client.id) == [ChatAddress(ChannelName.WHATSAPP, WA_ID)]
    await build_outbox_worker(runtime).drain()
    [document] = onec.all()
    assert document["Описание"] == "Do I pay VAT on exports?"
    texts = [call.text for call in graph.messages(to=WA_ID)]
    assert f"Your consultation request has number {document['Number']} in our records." in texts
    for call in graph.messages(to=WA_ID):
        assert len(call.buttons()) <= 3
        assert all(len(b["title"]) <= 20 for b in call.buttons())


async def test_a_shop_that_is_no_firm_offers_no_consultation(
    runtime: Runtime,
    customer: WhatsAppCustomer,  # noqa: F811
    graph: FakeGraph,  # noqa: F811
) -> None:
    await make_shop("Flowers", slug="flowers", locale="en")
    await act(customer, graph, ("send", "hi"))
    titles = [b["title"] for call in graph.messages(to=WA_ID) for b in call.buttons()]
    assert titles and "📝 Consultation" not in titles
    assert await Consultation.all().count() == 0
