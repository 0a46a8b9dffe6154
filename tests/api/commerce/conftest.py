"""Fixtures of the commerce contract tests: the fake Shopify store and Meta's Graph API
on loopback, and the settings that point the deployment at them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from core.clock import FrozenClock
from tests.fakes.shopify import FakeShopify
from tests.fakes.whatsapp import APP_SECRET, FakeGraph

PUBLIC_BASE_URL = "https://sauda.example"


@pytest.fixture
async def shopify(clock: FrozenClock) -> AsyncIterator[FakeShopify]:
    fake = await FakeShopify(now=clock.now()).start()
    yield fake
    await fake.close()


@pytest.fixture
async def graph(clock: FrozenClock) -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph(clock=clock).start()
    yield fake
    await fake.close()


@pytest.fixture
def settings_overrides(shopify: FakeShopify, graph: FakeGraph) -> dict[str, Any]:
    return {
        "shopify_admin_url": shopify.admin_url,
        "shopify_api_version": shopify.version,
        "public_base_url": PUBLIC_BASE_URL,
        "whatsapp_api_base": graph.base_url,
        "whatsapp_api_version": graph.version,
        "whatsapp_app_secret": APP_SECRET,
        # The commerce inbox is the integrator's: no shop chat answers its WhatsApp
        # messages (tests/bot/test_shop_dialogue.py has the shop chat on).
        "whatsapp_dialogue": False,
    }
