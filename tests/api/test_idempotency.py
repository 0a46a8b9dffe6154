"""`Idempotency-Key` on creates, over real HTTP: a retry gets the first answer, another
body is refused, concurrent requests create once, and a create whose answer fails is
not committed (the probe: 19 of 58 creates that answered 500 had been committed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from api.app import create_apps
from api.routing import Contract
from core.auth.tokens import Principal
from core.clock import FrozenClock
from core.customers import register_customer
from core.idempotency import prune
from core.models import Customer, IdempotencyRecord, Order, OutboxEvent
from core.runtime import Runtime
from scheduler.jobs import JOBS
from tests.api.shop.test_orders import EXAMPLE
from tests.factories import auth, owner_headers, token_for

KEY = "Idempotency-Key"


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, KEY: key}


async def test_the_same_key_again_gets_the_first_answer_and_creates_nothing(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    first = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "order-1"))
    assert first.status == 201, await first.text()
    assert "Idempotent-Replayed" not in first.headers
    again = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "order-1"))
    assert again.status == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"].startswith("application/json")
    assert await again.json() == await first.json()
    assert await Order.filter(shop_id=shop.id).count() == 1
    # The same JSON, spaced and ordered differently, is the same request.
    reordered = dict(reversed(list(EXAMPLE.items())))
    third = await api.post("/api/orders/", json=reordered, headers=keyed(headers, "order-1"))
    assert third.headers["Idempotent-Replayed"] == "true"
    # Without a key, or with another one, each request creates.
    assert (await api.post("/api/orders/", json=EXAMPLE, headers=headers)).status == 201
    other = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "order-2"))
    assert other.status == 201 and "Idempotent-Replayed" not in other.headers
    assert await Order.filter(shop_id=shop.id).count() == 3


async def test_the_same_key_with_another_body_or_path_is_a_validation_error(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    assert (await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "k"))).status == 201
    changed = {**EXAMPLE, "flower_sum": 30000, "total": 32000}
    refused = await api.post("/api/orders/", json=changed, headers=keyed(headers, "k"))
    assert refused.status == 422
    (problem,) = (await refused.json())["detail"]
    assert problem["loc"] == ["header", KEY] and problem["type"] == "idempotency_key_reused"
    customer = {"phone": "+77019998877", "name": "Асель"}
    elsewhere = await api.post("/api/customers/", json=customer, headers=keyed(headers, "k"))
    assert elsewhere.status == 422
    assert await Order.filter(shop_id=shop.id).count() == 1
    assert not await Customer.filter(shop_id=shop.id, phone="+77019998877").exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "a b"])
async def test_a_malformed_key_is_refused(api: TestClient, runtime: Runtime, key: str) -> None:
    shop, _, headers = await owner_headers(runtime)
    response = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, key))
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["header", KEY]
    assert await Order.filter(shop_id=shop.id).count() == 0


async def test_keys_are_kept_per_shop(api: TestClient, runtime: Runtime) -> None:
    first, _, first_headers = await owner_headers(runtime)
    second, _, second_headers = await owner_headers(runtime)
    for headers in (first_headers, second_headers):
        response = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "same"))
        assert response.status == 201 and "Idempotent-Replayed" not in response.headers
    assert await Order.filter(shop_id=first.id).count() == 1
    assert await Order.filter(shop_id=second.id).count() == 1


async def test_concurrent_requests_with_one_key_create_once(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    answers = await asyncio.gather(
        *(api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "race")) for _ in range(6))
    )
    statuses = [answer.status for answer in answers]
    assert set(statuses) <= {201, 409}, [await a.text() for a in answers]
    bodies = [await answer.json() for answer in answers if answer.status == 201]
    assert bodies and all(body["id"] == bodies[0]["id"] for body in bodies)
    assert await Order.filter(shop_id=shop.id).count() == 1
    assert await IdempotencyRecord.filter(shop_id=shop.id).count() == 1


async def test_concurrent_creates_with_different_keys_all_succeed(
    api: TestClient, runtime: Runtime
) -> None:
    # The record is written before the create locks the shop for its order number; a
    # foreign key from the record to the shop deadlocked these on PostgreSQL.
    shop, _, headers = await owner_headers(runtime)
    answers = await asyncio.gather(
        *(
            api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, f"key-{n}"))
            for n in range(8)
        )
    )
    assert [answer.status for answer in answers] == [201] * 8
    assert await Order.filter(shop_id=shop.id).count() == 8


async def test_a_failed_create_keeps_nothing_and_its_retry_runs(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    wrong = {**EXAMPLE, "total": 1}  # the total disagrees: a 422 from the service
    assert (await api.post("/api/orders/", json=wrong, headers=keyed(headers, "k"))).status == 422
    assert not await IdempotencyRecord.filter(shop_id=shop.id).exists()
    fixed = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "k"))
    assert fixed.status == 201 and "Idempotent-Replayed" not in fixed.headers


async def test_a_key_is_forgotten_after_24_hours_and_pruned_by_housekeeping(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    shop, user, headers = await owner_headers(runtime)
    assert (await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "k"))).status == 201
    clock.advance(hours=23)
    headers = auth(token_for(runtime, user, shop))  # a token lives 24 h too
    again = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "k"))
    assert again.headers.get("Idempotent-Replayed") == "true"
    clock.advance(hours=1, seconds=1)
    fresh = await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "k"))
    assert fresh.status == 201 and "Idempotent-Replayed" not in fresh.headers
    assert await Order.filter(shop_id=shop.id).count() == 2
    assert await IdempotencyRecord.filter(shop_id=shop.id).count() == 1
    clock.advance(hours=24, seconds=1)
    result = await JOBS["housekeeping"].run(runtime)
    assert result["idempotency_pruned"] == 1
    assert not await IdempotencyRecord.filter(shop_id=shop.id).exists()
    assert await prune(now=clock.now()) == 0


async def test_crm_creates_take_the_key_too(serve_apps: Any, runtime: Runtime) -> None:
    crm = (await serve_apps())[runtime.settings.crm_port]
    shop, _, headers = await owner_headers(runtime)
    client = {"name": "Асель", "phone": "+77011112233"}
    first = await crm.post("/api/clients/", json=client, headers=keyed(headers, "c-1"))
    again = await crm.post("/api/clients/", json=client, headers=keyed(headers, "c-1"))
    assert first.status == 200, await first.text()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == await first.json()
    assert await Customer.filter(shop_id=shop.id).count() == 1


async def test_every_flagged_create_documents_the_header(serve_apps: Any, runtime: Runtime) -> None:
    clients = await serve_apps()
    flagged = {
        (runtime.settings.api_port, "/api/orders/", "post"),
        (runtime.settings.api_port, "/api/orders/with-items", "post"),
        (runtime.settings.api_port, "/api/customers/", "post"),
        (runtime.settings.api_port, "/api/warehouse/deliveries", "post"),
        (runtime.settings.crm_port, "/api/orders/", "post"),
        (runtime.settings.crm_port, "/api/orders/{order_id}/items", "post"),
        (runtime.settings.crm_port, "/api/clients/", "post"),
    }
    for port, path, method in flagged:
        document = await (await clients[port].get("/openapi.json")).json()
        operation = document["paths"][path][method]
        names = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert names == [KEY], path
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert "Idempotent-Replayed" in operation["responses"][success]["headers"]
        assert "409" in operation["responses"]
    document = await (await clients[runtime.settings.api_port].get("/openapi.json")).json()
    webhook = document["paths"]["/api/orders/{order_id}/payment-webhook"]["post"]
    assert KEY not in [p["name"] for p in webhook.get("parameters", [])]


# --- the mechanism itself, on a contract made for the test --------------------------


probe = Contract("probe", title="Probe", version="1", mount="/probe")


class AnswerFailed(Exception):
    pass


@probe.post("/customers", status=201, idempotent=True)
async def create_then_fail(request: web.Request, *, principal: Principal) -> dict[str, Any]:
    """Registers a customer, then building the answer fails (as reading back did)."""
    customer = await register_customer(
        shop_id=principal.shop_id, values={"phone": request.headers["X-Phone"]}
    )
    if request.headers.get("X-Fail") == "yes":
        raise AnswerFailed("reading the order back failed")
    return {"id": customer.id}


@pytest.fixture
async def probe_client(runtime: Runtime) -> AsyncIterator[TestClient]:
    # Served where a contract of the API port would be (the name only picks the port).
    app = create_apps(runtime, contracts={"erp": probe})[runtime.settings.api_port]
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def test_a_create_whose_answer_fails_is_not_committed(
    probe_client: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    for extra in ({}, {KEY: "k"}):  # with a key and without
        failing = {**headers, **extra, "X-Phone": "+77013334455", "X-Fail": "yes"}
        assert (await probe_client.post("/probe/customers", headers=failing)).status == 500
        assert not await Customer.filter(shop_id=shop.id).exists()
        assert not await OutboxEvent.filter(shop_id=shop.id).exists()  # nor its webhook rows
    retried = await probe_client.post(
        "/probe/customers", headers={**headers, KEY: "k", "X-Phone": "+77013334455"}
    )
    assert retried.status == 201 and "Idempotent-Replayed" not in retried.headers
    assert await Customer.filter(shop_id=shop.id).count() == 1


def test_a_public_endpoint_cannot_be_idempotent() -> None:
    contract = Contract("public", title="Public", version="1")

    async def open_create(request: web.Request) -> None:
        return None

    with pytest.raises(ValueError, match="must be authenticated"):
        contract.post("/things", idempotent=True)(open_create)


async def test_the_time_is_the_runtimes_clock(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    shop, _, headers = await owner_headers(runtime)
    await api.post("/api/orders/", json=EXAMPLE, headers=keyed(headers, "k"))
    record = await IdempotencyRecord.get(shop_id=shop.id)
    assert abs(record.created_at - clock.now()) < timedelta(seconds=1)
