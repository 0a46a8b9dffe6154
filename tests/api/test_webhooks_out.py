"""Webhooks out: signed calls from the outbox to a real receiver on loopback, through
outages and restarts, in order per order, once per event id."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from tortoise.transactions import in_transaction

from core import events, webhooks
from core.clock import FrozenClock
from core.customers import register_customer
from core.db import close_db, init_db
from core.models import OrderStatus, OutboxEvent, OutboxStatus, WebhookEndpoint
from core.orders.service import change_status, place_order
from core.outbox import OutboxWorker, enqueue
from core.runtime import Runtime
from sauda.wiring import build_outbox_worker, build_runtime
from tests.factories import make_shop

SECRET = "receiver-secret-0123456789abcdef"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The receiver listens on loopback, which production refuses.
    return {"allow_private_webhooks": True}


@dataclass
class Call:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver that answers 500 while `down`, and records what it takes."""

    url: str = ""
    down: bool = False
    refused: int = 0
    calls: list[Call] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.down:
            self.refused += 1
            return web.Response(status=500, text="down for maintenance")
        self.calls.append(Call(headers=dict(request.headers), body=body))
        return web.Response(status=204)

    @property
    def ids(self) -> list[str]:
        return [c.headers["X-Webhook-Id"] for c in self.calls]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/hooks", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("/hooks"))
    yield state
    await server.close()


def valid_signature(call: Call, secret: str = SECRET) -> bool:
    expected = hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", call.headers["X-Webhook-Signature"])


async def pay(*, shop_id: int, order_id: int, amount: int, token: str) -> None:
    """A `payment.received` as the payment service emits it (core.payments)."""
    async with in_transaction():
        await events.emit(
            events.DomainEvent(
                name=events.PAYMENT_RECEIVED,
                shop_id=shop_id,
                key=f"order:{order_id}",
                payload={
                    "order_id": order_id,
                    "payment_id": f"KASPI-{order_id}",
                    "payment_method": "kaspi",
                    "amount": amount,
                    "tracking_token": token,
                },
            )
        )


FLOW = (
    OrderStatus.PAID,
    OrderStatus.ASSEMBLED,
    OrderStatus.IN_DELIVERY,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


async def test_a_receiver_that_is_down_then_back_gets_every_event_once_in_order_across_a_restart(
    runtime: Runtime, clock: FrozenClock, receiver: Receiver
) -> None:
    shop = await make_shop()
    await webhooks.create_endpoint(
        shop_id=shop.id, url=receiver.url, secret=SECRET, allow_private=True
    )
    receiver.down = True
    customer = await register_customer(
        shop_id=shop.id, values={"phone": "+77017654321", "name": "Мария"}
    )
    first = await place_order(shop_id=shop.id, customer_id=customer.id, flower_sum=25000)
    second = await place_order(shop_id=shop.id, customer_id=customer.id, flower_sum=9000)
    # Interleave the two orders' events.
    for status in FLOW[:2]:
        for order in (first, second):
            await change_status(shop_id=shop.id, order_id=order.id, to=status, clock=clock)
    await pay(shop_id=shop.id, order_id=first.id, amount=25000, token=first.tracking_token)
    for status in FLOW[2:]:
        await change_status(shop_id=shop.id, order_id=first.id, to=status, clock=clock)

    queued = await OutboxEvent.filter(topic=webhooks.TOPIC).order_by("id")
    assert len(queued) == 1 + 2 * 2 + 1 + 3

    worker = build_outbox_worker(runtime)
    for _ in range(3):
        assert await worker.drain() == 0
        clock.advance(minutes=5)
    assert receiver.refused >= 3 and receiver.calls == []

    # The server restarts while the receiver is still down: a new process, same database.
    await close_db()
    await init_db(runtime.settings.effective_database_url)
    restarted = build_runtime(runtime.settings, clock=clock, kv=runtime.kv)
    worker = build_outbox_worker(restarted)
    assert await worker.drain() == 0

    receiver.down = False
    clock.advance(hours=1)
    delivered = await worker.drain(max_rounds=50)
    assert delivered == len(queued)

    # Once per event id, and exactly the queued ones.
    assert sorted(receiver.ids) == sorted(str(row.event_id) for row in queued)
    assert len(set(receiver.ids)) == len(receiver.ids)
    for call in receiver.calls:
        assert valid_signature(call)
        payload = call.payload
        assert list(payload) == ["event", "timestamp", "shop_id", "data"]
        assert payload["shop_id"] == shop.id
        assert call.headers["X-Webhook-Event"] == payload["event"]
        assert int(call.headers["X-Webhook-Timestamp"]) == int(clock.now().timestamp())

    # In order per order, in the shop dialect's words.
    def story(order_id: int) -> list[tuple[str, Any]]:
        return [
            (c.payload["event"], c.payload["data"].get("new_status"))
            for c in receiver.calls
            if c.payload["data"].get("order_id") == order_id
        ]

    assert story(first.id) == [
        ("order.status_changed", "paid"),
        ("order.status_changed", "assembled"),
        ("payment.received", None),
        ("order.status_changed", "delivery"),
        ("order.status_changed", "delivered"),
        ("order.status_changed", "completed"),
    ]
    assert story(second.id) == [
        ("order.status_changed", "paid"),
        ("order.status_changed", "assembled"),
    ]
    changed = next(c.payload for c in receiver.calls if c.payload["event"].startswith("order."))
    assert changed["data"] == {
        "order_id": first.id,
        "old_status": "new",
        "new_status": "paid",
        "tracking_token": first.tracking_token,
    }
    registered = next(c.payload for c in receiver.calls if c.payload["event"].startswith("cust"))
    assert registered["data"] == {
        "customer_id": customer.id,
        "phone": "+77017654321",
        "name": "Мария",
    }
    paid = next(c.payload for c in receiver.calls if c.payload["event"].startswith("payment"))
    assert paid["data"]["amount"] == 25000 and paid["data"]["payment_id"] == f"KASPI-{first.id}"

    # Nothing goes out twice.
    assert (
        await OutboxEvent.filter(topic=webhooks.TOPIC)
        .exclude(status=OutboxStatus.DELIVERED)
        .count()
        == 0
    )
    clock.advance(hours=2)
    assert await worker.drain() == 0
    assert len(receiver.calls) == len(queued)


async def test_a_retry_carries_the_same_event_id_body_and_signature(
    runtime: Runtime, clock: FrozenClock, receiver: Receiver
) -> None:
    shop = await make_shop()
    await webhooks.create_endpoint(
        shop_id=shop.id, url=receiver.url, secret=SECRET, allow_private=True
    )
    await register_customer(shop_id=shop.id, values={"phone": "+77011234567"})
    deliver = build_outbox_worker(runtime).deliverers[webhooks.TOPIC]

    async def lose_the_answer(row: OutboxEvent) -> None:
        await deliver(row)
        raise ConnectionResetError("the receiver's answer was lost")

    # The receiver takes the call but the answer never arrives: the row is retried.
    assert await OutboxWorker({webhooks.TOPIC: lose_the_answer}, clock=clock).drain() == 0
    clock.advance(minutes=1)
    assert await build_outbox_worker(runtime).drain() == 1
    first, retry = receiver.calls
    assert first.headers["X-Webhook-Id"] == retry.headers["X-Webhook-Id"]
    assert first.body == retry.body
    assert first.headers["X-Webhook-Signature"] == retry.headers["X-Webhook-Signature"]
    assert valid_signature(retry)


async def test_only_active_endpoints_that_want_the_event_get_a_row(runtime: Runtime) -> None:
    shop = await make_shop()
    other = await make_shop("Другой")
    wants_payments, _ = await webhooks.create_endpoint(
        shop_id=shop.id,
        url="http://127.0.0.1:9/payments",
        events_wanted=["payment.received"],
        allow_private=True,
    )
    wants_all, _ = await webhooks.create_endpoint(
        shop_id=shop.id, url="http://127.0.0.1:9/all", allow_private=True
    )
    paused, _ = await webhooks.create_endpoint(
        shop_id=shop.id, url="http://127.0.0.1:9/paused", allow_private=True
    )
    await webhooks.update_endpoint(
        shop_id=shop.id, endpoint_id=paused.id, is_active=False, allow_private=True
    )
    await webhooks.create_endpoint(
        shop_id=other.id, url="http://127.0.0.1:9/other", allow_private=True
    )
    customer = await register_customer(shop_id=shop.id, values={"phone": "+77011234567"})
    rows = await OutboxEvent.filter(topic=webhooks.TOPIC)
    assert [row.payload["endpoint_id"] for row in rows] == [wants_all.id]
    assert rows[0].key == f"webhook:{wants_all.id}:customer:{customer.id}"


async def test_a_deleted_endpoint_fails_its_queued_events_for_good(
    runtime: Runtime, clock: FrozenClock, receiver: Receiver
) -> None:
    shop = await make_shop()
    endpoint, _ = await webhooks.create_endpoint(
        shop_id=shop.id, url=receiver.url, allow_private=True
    )
    await register_customer(shop_id=shop.id, values={"phone": "+77011234567"})
    await webhooks.delete_endpoint(shop_id=shop.id, endpoint_id=endpoint.id)
    clock.advance(seconds=1)
    assert await build_outbox_worker(runtime).drain() == 0
    row = await OutboxEvent.get(topic=webhooks.TOPIC)
    assert row.status == OutboxStatus.DEAD
    assert receiver.calls == []


async def test_without_the_setting_a_loopback_endpoint_is_never_called(
    runtime: Runtime, clock: FrozenClock, receiver: Receiver
) -> None:
    shop = await make_shop()
    # Stored while allowed (or before the host moved onto the local network) ...
    await WebhookEndpoint.create(
        shop_id=shop.id, url=receiver.url, secret=SECRET, events=list(webhooks.EVENTS)
    )
    await register_customer(shop_id=shop.id, values={"phone": "+77011234567"})
    strict = runtime.settings.model_copy(update={"allow_private_webhooks": False})
    worker = build_outbox_worker(build_runtime(strict, clock=clock, kv=runtime.kv))
    clock.advance(seconds=1)
    # ... the deliverer still refuses to connect there, and keeps the row for later.
    assert await worker.drain() == 0
    row = await OutboxEvent.get(topic=webhooks.TOPIC)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "loopback" in (row.last_error or "")
    assert receiver.calls == [] and receiver.refused == 0


# --- concurrency across receivers, and the circuit breaker ------------------------------


@dataclass
class Hanging:
    """A receiver that takes the connection and never answers (until released)."""

    url: str = ""
    arrived: int = 0
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.arrived += 1
        await self.released.wait()
        return web.Response(status=204)


@pytest.fixture
async def hanging() -> AsyncIterator[Hanging]:
    state = Hanging()
    app = web.Application()
    app.router.add_post("/hooks", state.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("/hooks"))
    yield state
    state.released.set()
    await server.close()


async def wait_for(condition: Callable[[], Awaitable[bool] | bool], *, limit: float) -> float:
    """Poll `condition` until it holds (at most `limit` seconds); returns the time taken."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        result = condition()
        if result if isinstance(result, bool) else await result:
            return loop.time() - started
        assert loop.time() - started < limit, "not within the limit"
        await asyncio.sleep(0.02)


async def test_a_hung_receiver_does_not_delay_another_shops_healthy_one(
    runtime: Runtime, hanging: Hanging, receiver: Receiver
) -> None:
    # The probe: shop 1's endpoint hung, shop 2's healthy endpoint got its events 127 s
    # late, because the worker delivered one row at a time with a 15 s timeout.
    stuck, healthy = await make_shop("Висит"), await make_shop("Здоровый")
    await webhooks.create_endpoint(shop_id=stuck.id, url=hanging.url, allow_private=True)
    await webhooks.create_endpoint(
        shop_id=healthy.id, url=receiver.url, secret=SECRET, allow_private=True
    )
    for n in range(8):  # written first, so they are first in line
        await register_customer(shop_id=stuck.id, values={"phone": f"+7701000000{n}"})
    for n in range(3):
        await register_customer(shop_id=healthy.id, values={"phone": f"+7702000000{n}"})

    stop = asyncio.Event()
    worker = build_outbox_worker(runtime)
    task = asyncio.create_task(worker.run_forever(stop, interval=0.05))
    try:
        await wait_for(lambda: hanging.arrived >= 1, limit=5)
        await wait_for(lambda: len(receiver.calls) == 3, limit=3)
        # Still hanging: an event written now reaches the healthy receiver within seconds.
        await register_customer(shop_id=healthy.id, values={"phone": "+77020000099"})
        await wait_for(lambda: len(receiver.calls) == 4, limit=3)
        assert all(valid_signature(call) for call in receiver.calls)
        assert hanging.arrived == 1  # one call in flight to the hung receiver, not eight
    finally:
        hanging.released.set()
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    # Released during the stop, its lane finishes the rows it had claimed; the rest wait.
    stuck_rows = OutboxEvent.filter(shop_id=stuck.id)
    assert await stuck_rows.filter(status=OutboxStatus.DELIVERED).count() == worker.per_lane
    assert await stuck_rows.filter(status=OutboxStatus.PENDING).count() == 8 - worker.per_lane


async def test_a_failing_receivers_circuit_opens_without_burning_its_rows_attempts(
    runtime: Runtime, clock: FrozenClock, receiver: Receiver
) -> None:
    failing = Receiver(down=True)
    app = web.Application()
    app.router.add_post("/hooks", failing.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    failing.url = str(server.make_url("/hooks"))
    try:
        down, up = await make_shop("Лежит"), await make_shop("Работает")
        await webhooks.create_endpoint(shop_id=down.id, url=failing.url, allow_private=True)
        await webhooks.create_endpoint(shop_id=up.id, url=receiver.url, allow_private=True)
        for n in range(6):
            await register_customer(shop_id=down.id, values={"phone": f"+7701000000{n}"})
        await register_customer(shop_id=up.id, values={"phone": "+77020000001"})
        worker = build_outbox_worker(runtime)

        assert await worker.run_once() == 1  # the healthy one
        assert failing.refused == worker.breaker.threshold == 3  # then the circuit opened
        rows = await OutboxEvent.filter(shop_id=down.id).order_by("id")
        assert [row.attempts for row in rows] == [1, 1, 1, 0, 0, 0]
        assert await worker.run_once() == 0 and failing.refused == 3  # open: not called

        clock.advance(seconds=31)  # the cool-off is over: one row is tried, and fails
        assert await worker.run_once() == 0 and failing.refused == 4
        clock.advance(seconds=31)  # opened again for longer (60 s)
        assert await worker.run_once() == 0 and failing.refused == 4

        failing.down = False
        clock.advance(seconds=30)
        assert await worker.drain() == 6
        assert len({call.headers["X-Webhook-Id"] for call in failing.calls}) == 6
        assert await OutboxEvent.filter(status=OutboxStatus.PENDING).count() == 0
    finally:
        await server.close()


async def test_rows_waiting_behind_their_key_do_not_starve_other_rows(
    runtime: Runtime, clock: FrozenClock
) -> None:
    delivered: list[int] = []

    async def deliver(row: OutboxEvent) -> None:
        if row.payload["n"] == 0:
            raise ConnectionError("the first row of the key keeps failing")
        delivered.append(row.payload["n"])

    for n in range(120):  # more than a batch, all behind row 0 of their key
        await enqueue(topic="test", event_type="e", payload={"n": n}, key="k", now=clock.now())
    await enqueue(topic="test", event_type="e", payload={"n": 999}, now=clock.now())
    worker = OutboxWorker({"test": deliver}, clock=clock, batch_size=50)
    assert await worker.run_once() == 1
    assert delivered == [999]
    clock.advance(seconds=6)  # row 0's back-off is over; it fails again, its key waits
    assert await worker.run_once() == 0 and delivered == [999]


@dataclass
class Deduplicating:
    """A receiver as the README asks for: it acts once per X-Webhook-Id. Its first call
    hangs (the answer never comes) although the receiver already acted on it."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    acted_on: list[str] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        call = Call(headers=dict(request.headers), body=await request.read())
        self.calls.append(call)
        if call.headers["X-Webhook-Id"] not in self.acted_on:
            self.acted_on.append(call.headers["X-Webhook-Id"])
        if len(self.calls) == 1:
            await self.released.wait()
        return web.Response(status=204)


async def test_a_hung_call_is_cut_and_sent_again_with_the_same_id_for_the_receiver_to_drop(
    runtime: Runtime, clock: FrozenClock
) -> None:
    # At least once: a hung call may have been acted on, so the retry carries the same
    # X-Webhook-Id, body and signature, and a receiver that de-duplicates on it acts once.
    receiver = Deduplicating()
    app = web.Application()
    app.router.add_post("/hooks", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("/hooks"))
    try:
        shop = await make_shop()
        await webhooks.create_endpoint(
            shop_id=shop.id, url=receiver.url, secret=SECRET, allow_private=True
        )
        await register_customer(shop_id=shop.id, values={"phone": "+77011234567"})
        deliver = build_outbox_worker(runtime).deliverers[webhooks.TOPIC]
        worker = OutboxWorker({webhooks.TOPIC: deliver}, clock=clock, delivery_timeout=0.3)
        assert await worker.drain() == 0  # the call hung and was cut after 0.3 s
        row = await OutboxEvent.get(topic=webhooks.TOPIC)
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        clock.advance(minutes=1)
        assert await worker.drain() == 1
        first, retry = receiver.calls
        assert first.headers["X-Webhook-Id"] == retry.headers["X-Webhook-Id"] == str(row.event_id)
        assert first.body == retry.body
        assert first.headers["X-Webhook-Signature"] == retry.headers["X-Webhook-Signature"]
        assert receiver.acted_on == [str(row.event_id)]
    finally:
        receiver.released.set()
        await server.close()


async def test_the_document_tells_receivers_to_de_duplicate_on_the_webhook_id(
    serve_apps: Callable[[], Awaitable[dict[int, Any]]], runtime: Runtime
) -> None:
    clients = await serve_apps()
    document = await (await clients[runtime.settings.api_port].get("/openapi.json")).json()
    description = document["paths"]["/api/webhooks/"]["post"]["description"]
    assert "de-duplicate on `X-Webhook-Id`" in description
