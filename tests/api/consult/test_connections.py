"""A firm sets its Chatwoot and 1C:ЦЛ over the consult port (`/api/connections`): the
owner or admin only, secrets sealed at rest and masked in every answer, and the settings
it sends are the ones the sync and Chatwoot's webhook then use (fake Chatwoot and fake
1C on loopback, real HTTP)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Consultation, Integration, Role
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker
from tests.api.consult.conftest import Firm, call
from tests.api.consult.test_integrator import DOCUMENT_CURL
from tests.factories import auth, make_member, token_for
from tests.fakes.chatwoot import FakeChatwoot
from tests.fakes.onec import FakeOneC

TOKEN = "cw-agent-token-of-the-firm-0123456789"
PASSWORD = "1c-password-of-the-firm-0123"


@pytest.fixture
async def outside() -> AsyncIterator[tuple[FakeChatwoot, FakeOneC]]:
    chatwoot = await FakeChatwoot(token=TOKEN, account_id=3).start()
    onec = await FakeOneC(username="site", password=PASSWORD).start()
    yield chatwoot, onec
    await chatwoot.stop()
    await onec.stop()


def _secrets_absent(payload: Any, *secrets: str) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    for secret in secrets:
        assert secret not in text, secret


async def test_a_firm_connects_chatwoot_and_1c_over_the_api_and_they_are_used(
    consult: TestClient,
    firm: Firm,
    runtime: Runtime,
    outside: tuple[FakeChatwoot, FakeOneC],
) -> None:
    chatwoot, onec = outside
    h = firm.headers
    assert await call(consult, "GET", "/api/connections", h) == []
    body = {
        "base_url": chatwoot.base_url + "/",
        "account_id": 3,
        "inbox_id": 7,
        "api_access_token": TOKEN,
    }
    connected = await call(consult, "PUT", "/api/connections/chatwoot", h, body)
    secret = connected.pop("new_webhook_secret")
    assert isinstance(secret, str) and len(secret) >= 32
    webhook_url = connected.pop("webhook_url")
    assert webhook_url == str(consult.make_url(f"/api/chatwoot/webhook/{connected['id']}"))
    assert connected == {
        "id": connected["id"],
        "provider": "chatwoot",
        "status": "connected",
        "base_url": chatwoot.base_url,
        "account_id": 3,
        "inbox_id": 7,
        "api_access_token": "cw-a...789",
        "webhook_secret": f"{secret[:4]}...{secret[-3:]}",
        "username": None,
        "password": None,
        "document": None,
    }
    _secrets_absent(connected, TOKEN)
    onec_body = {"base_url": onec.base_url, "username": "site", "password": PASSWORD}
    onec_view = await call(consult, "PUT", "/api/connections/onec", h, onec_body)
    assert (onec_view["password"], onec_view["document"]) == ("1c-p...123", "Document_Консультация")
    assert (onec_view["webhook_url"], onec_view["new_webhook_secret"]) == (None, None)

    # A reconnect without a webhook secret keeps the one Chatwoot already has.
    again = await call(consult, "PUT", "/api/connections/chatwoot", h, body)
    assert again["new_webhook_secret"] is None and again["id"] == connected["id"]
    listed = await call(consult, "GET", "/api/connections", h)
    assert [c["provider"] for c in listed] == ["chatwoot", "onec"]
    _secrets_absent(listed, TOKEN, PASSWORD, secret)
    for row in await Integration.filter(shop_id=firm.shop.id):
        _secrets_absent(row.secrets, TOKEN, PASSWORD, secret)

    # What was sent is what the sync uses, and Chatwoot's webhook verifies with it.
    created = await call(consult, "POST", "/api/consultations/create", h, raw=DOCUMENT_CURL)
    await build_outbox_worker(runtime).drain()
    [conversation] = chatwoot.conversations
    assert conversation["inbox_id"] == 7 and len(onec.all()) == 1
    resolved = {
        "event": "conversation_status_changed",
        "id": conversation["id"],
        "status": "resolved",
    }
    now = int(runtime.clock.now().timestamp())
    status, answer = await chatwoot.send_webhook(
        webhook_url, secret=secret, payload=resolved, delivery="d-1", at=now
    )
    assert (status, answer) == (200, {"outcome": "applied"})
    ticket = await call(consult, "GET", f"/api/tickets/{created['consultation']['cons_id']}", h)
    assert ticket["status"] == "closed"

    # Disconnected: no more sync, and Chatwoot's webhook no longer takes effect.
    response = await consult.delete("/api/connections/chatwoot", headers=h)
    assert response.status == 204, await response.text()
    await call(consult, "DELETE", "/api/connections/chatwoot", h, expect=404)
    status, _ = await chatwoot.send_webhook(
        webhook_url, secret=secret, payload=resolved, delivery="d-2", at=now
    )
    assert status == 404
    listed = await call(consult, "GET", "/api/connections", h)
    assert [(c["provider"], c["status"]) for c in listed] == [
        ("chatwoot", "disconnected"),
        ("onec", "connected"),
    ]
    assert await Consultation.filter(shop_id=firm.shop.id).count() == 1


async def test_only_the_firm_s_owner_or_admin_may_see_or_change_them(
    consult: TestClient, firm: Firm, runtime: Runtime
) -> None:
    body = {
        "base_url": "https://chat.firm.uz",
        "account_id": 3,
        "inbox_id": 7,
        "api_access_token": TOKEN,
    }
    manager = await make_member(firm.shop, Role.MANAGER)
    as_manager = auth(token_for(runtime, manager, firm.shop, Role.MANAGER))
    for method, path, payload in (
        ("GET", "/api/connections", None),
        ("PUT", "/api/connections/chatwoot", body),
        ("DELETE", "/api/connections/onec", None),
    ):
        refused = await call(consult, method, path, as_manager, payload, expect=403)
        assert set(refused) == {"detail"}
        await call(consult, method, path, {}, payload, expect=401)
    owner = await make_member(firm.shop, Role.OWNER)
    as_owner = auth(token_for(runtime, owner, firm.shop))
    await call(consult, "PUT", "/api/connections/chatwoot", as_owner, body)
    assert await Integration.filter(shop_id=firm.shop.id).count() == 1


@pytest.mark.parametrize(
    ("path", "body", "loc"),
    [
        (
            "/api/connections/chatwoot",
            {"base_url": "ftp://chat", "account_id": 3, "inbox_id": 7, "api_access_token": "t"},
            ["body", "base_url"],
        ),
        (
            "/api/connections/chatwoot",
            {"base_url": "https://chat", "account_id": 0, "inbox_id": 7, "api_access_token": "t"},
            ["body", "account_id"],
        ),
        (
            "/api/connections/onec",
            {"base_url": "https://1c", "username": "", "password": "p"},
            ["body", "username"],
        ),
    ],
)
async def test_bad_settings_are_a_422_and_store_nothing(
    consult: TestClient, firm: Firm, path: str, body: dict[str, Any], loc: list[str]
) -> None:
    refused = await call(consult, "PUT", path, firm.headers, body, expect=422)
    assert refused["detail"][0]["loc"] == loc
    assert await Integration.filter(shop_id=firm.shop.id).count() == 0
    await call(consult, "DELETE", "/api/connections/shopify", firm.headers, expect=404)
