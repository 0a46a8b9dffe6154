"""A WhatsApp customer of a test shop, for dialogue tests outside the shared dialogue
table (tests/bot/test_shop_dialogue.py): the fake Graph server on a frozen clock, the
settings that point the real client at it, and `act`, one thing the customer does and
the texts the shop answered with. Import the fixtures into a test module."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.fakes.whatsapp import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    TOKEN,
    VERSION,
    FakeGraph,
    WhatsAppCustomer,
)

WA_ID = "77011234567"
NOW = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)  # 10:00 in Almaty


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def graph(clock: FrozenClock) -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(clock=clock, enforce_window=True)
    fake.add_number(PHONE_NUMBER_ID, TOKEN)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings_overrides(graph: FakeGraph) -> dict[str, Any]:
    return {
        "whatsapp_api_base": graph.base_url,
        "whatsapp_api_version": VERSION,
        "whatsapp_app_secret": APP_SECRET,
        "whatsapp_token": TOKEN,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_dialogue": True,
    }


@pytest.fixture
def customer(api: TestClient, graph: FakeGraph, runtime: Runtime) -> WhatsAppCustomer:
    async def post(raw: bytes, headers: dict[str, str]) -> Any:
        response = await api.post("/api/v1/webhooks/whatsapp", data=raw, headers=headers)
        assert response.status == 200, await response.text()
        worker = build_outbox_worker(runtime)
        for _ in range(8):  # one row of a customer per round
            if not await worker.run_once():
                break
        return await response.json()

    return WhatsAppCustomer(graph, post, wa_id=WA_ID, name="Aigerim")


async def act(customer: WhatsAppCustomer, graph: FakeGraph, do: tuple[str, str]) -> list[str]:
    """Do one thing as the customer; the texts the shop answered with."""
    before = len(graph.messages(to=WA_ID))
    kind, value = do
    if kind == "send":
        await customer.send(value)
    elif kind == "press":
        await customer.press(value)
    else:
        await customer.send_photo()
    return [call.text for call in graph.messages(to=WA_ID)[before:]]
