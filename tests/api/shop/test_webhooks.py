"""Shop contract: configuring outgoing webhooks (/api/webhooks/)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Role, WebhookEndpoint
from core.runtime import Runtime
from tests.factories import auth, make_member, make_shop, owner_headers, token_for

# A public address literal: no DNS needed, and never contacted by these tests.
PUBLIC = "https://93.184.215.14/hooks/sauda"
KEYS = {"id", "url", "events", "is_active", "secret", "created_at"}
ALL_EVENTS = ["order.status_changed", "payment.received", "customer.registered"]


async def create(api: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/webhooks/", json={"url": PUBLIC, **fields}, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_the_secret_is_shown_once_and_masked_afterwards(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    created = await create(api, headers)
    assert set(created) == KEYS
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert (created["url"], created["events"], created["is_active"]) == (PUBLIC, ALL_EVENTS, True)
    one = await (await api.get(f"/api/webhooks/{created['id']}", headers=headers)).json()
    assert one["secret"] == "****" + created["secret"][-4:]
    listed = await (await api.get("/api/webhooks/", headers=headers)).json()
    assert listed == {"items": [one], "total": 1}
    stored = await WebhookEndpoint.get(id=created["id"])
    assert stored.secret == created["secret"]


async def test_a_chosen_secret_and_events_are_kept_and_can_be_changed(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    secret = "my-own-secret-0123456789"
    created = await create(api, headers, secret=secret, events=["payment.received"])
    assert (created["secret"], created["events"]) == (secret, ["payment.received"])
    response = await api.put(
        f"/api/webhooks/{created['id']}",
        json={"events": ["order.status_changed"], "is_active": False, "secret": "x" * 20},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    updated = await response.json()
    assert (updated["events"], updated["is_active"], updated["secret"]) == (
        ["order.status_changed"],
        False,
        "****xxxx",
    )
    assert (await WebhookEndpoint.get(id=created["id"])).secret == "x" * 20
    gone = await api.delete(f"/api/webhooks/{created['id']}", headers=headers)
    assert gone.status == 204
    assert (await api.get(f"/api/webhooks/{created['id']}", headers=headers)).status == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://172.16.3.4/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "ftp://93.184.215.14/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "not a url",
        "https://user:password@93.184.215.14/hook",
        "https://93.184.215.14:99999/hook",
        "https://no-such-host.invalid/hook",
    ],
)
async def test_loopback_private_and_odd_urls_are_refused_without_the_setting(
    api: TestClient, runtime: Runtime, url: str
) -> None:
    assert runtime.settings.allow_private_webhooks is False
    _, _, headers = await owner_headers(runtime)
    response = await api.post("/api/webhooks/", json={"url": url}, headers=headers)
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == ["body", "url"]
    assert await WebhookEndpoint.all().count() == 0


async def test_an_update_cannot_move_an_endpoint_onto_the_local_network(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    created = await create(api, headers)
    response = await api.put(
        f"/api/webhooks/{created['id']}", json={"url": "http://127.0.0.1/"}, headers=headers
    )
    assert response.status == 422
    assert (await WebhookEndpoint.get(id=created["id"])).url == PUBLIC


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({}, ["body", "url"]),
        ({"url": PUBLIC, "events": ["order.created"]}, ["body", "events", 0]),
        ({"url": PUBLIC, "events": []}, ["body", "events"]),
        ({"url": PUBLIC, "events": "payment.received"}, ["body", "events"]),
        ({"url": PUBLIC, "secret": "short"}, ["body", "secret"]),
        ({"url": 42}, ["body", "url"]),
    ],
)
async def test_bad_webhook_settings_are_refused_and_nothing_is_written(
    api: TestClient, runtime: Runtime, payload: dict[str, Any], loc: list[Any]
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post("/api/webhooks/", json=payload, headers=headers)
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == loc
    assert await WebhookEndpoint.all().count() == 0


async def test_the_same_url_twice_or_too_many_endpoints_is_a_conflict(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    await create(api, headers)
    again = await api.post("/api/webhooks/", json={"url": PUBLIC}, headers=headers)
    assert again.status == 409
    for n in range(4):
        await create(api, headers, url=f"{PUBLIC}/{n}")
    sixth = await api.post("/api/webhooks/", json={"url": f"{PUBLIC}/6"}, headers=headers)
    assert sixth.status == 409
    assert await WebhookEndpoint.all().count() == 5


async def test_only_the_owner_or_an_admin_configures_webhooks(
    api: TestClient, runtime: Runtime
) -> None:
    shop = await make_shop()
    florist = await make_member(shop, Role.FLORIST)
    headers = auth(token_for(runtime, florist, shop, Role.FLORIST))
    response = await api.post("/api/webhooks/", json={"url": PUBLIC}, headers=headers)
    assert response.status == 403
    assert (await api.get("/api/webhooks/", headers=headers)).status == 403
    assert await WebhookEndpoint.all().count() == 0


async def test_another_shops_endpoint_is_not_found(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    _, _, other = await owner_headers(runtime, await make_shop("Чужой"))
    theirs = await create(api, other)
    base = f"/api/webhooks/{theirs['id']}"
    assert (await api.get(base, headers=headers)).status == 404
    assert (await api.put(base, json={"is_active": False}, headers=headers)).status == 404
    assert (await api.delete(base, headers=headers)).status == 404
    assert (await WebhookEndpoint.get(id=theirs["id"])).is_active
    assert (await (await api.get("/api/webhooks/", headers=headers)).json())["total"] == 0
