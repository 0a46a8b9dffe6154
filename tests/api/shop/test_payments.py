"""Shop contract: the signed payment webhook and the shop's payment secret, over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.models import (
    Order,
    OrderStatus,
    OrderStatusEvent,
    OutboxEvent,
    Payment,
    Role,
    Shop,
    WebhookEndpoint,
)
from core.payments import sign
from core.runtime import Runtime
from tests.factories import auth, make_member, make_shop, owner_headers, token_for

SECRET = "s3cr3t-" + "k" * 40
# The document's example, for an order of 27000.
NOTICE = {
    "payment_method": "kaspi",
    "payment_id": "KASPI-12345",
    "amount": 27000,
    "status": "success",
}
ANSWER_KEYS = {
    "order_id": int,
    "payment_id": str,
    "payment_method": str,
    "amount": int,
    "payment_status": str,
    "order_status": str,
}


async def order_to_pay(
    api: TestClient, runtime: Runtime, *, secret: str | None = SECRET
) -> tuple[Shop, dict[str, str], dict[str, Any]]:
    shop, _, headers = await owner_headers(runtime)
    if secret:
        shop.payment_secret = secret
        await shop.save()
    await WebhookEndpoint.create(
        shop=shop,
        url="http://127.0.0.1:9/hooks",
        secret="w" * 40,
        events=["payment.received", "order.status_changed"],
    )
    response = await api.post(
        "/api/orders/",
        json={"customer_phone": "+77011234567", "flower_sum": 25000, "delivery_fee": 2000},
        headers=headers,
    )
    assert response.status == 201
    return shop, headers, await response.json()


def signed(
    body: bytes, clock: FrozenClock, *, secret: str = SECRET, skew: int = 0
) -> dict[str, str]:
    timestamp = int(clock.now().timestamp()) + skew
    return {
        "Content-Type": "application/json",
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": sign(secret, timestamp, body),
    }


async def pay(
    api: TestClient,
    clock: FrozenClock,
    order_id: int,
    notice: dict[str, Any] | None = None,
    **kw: Any,
) -> Any:
    body = json.dumps(notice or NOTICE).encode()
    return await api.post(
        f"/api/orders/{order_id}/payment-webhook", data=body, headers=signed(body, clock, **kw)
    )


async def state(order_id: int) -> tuple[Any, ...]:
    order = await Order.get(id=order_id)
    return (
        order.status,
        await Payment.filter(order_id=order_id).count(),
        await OrderStatusEvent.filter(order_id=order_id).count(),
        await OutboxEvent.filter(event_type="payment.received").count(),
    )


async def test_a_signed_success_pays_the_order_once(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, headers, order = await order_to_pay(api, runtime)
    response = await pay(api, clock, order["id"])
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert set(answer) == set(ANSWER_KEYS)
    for key, kind in ANSWER_KEYS.items():
        assert isinstance(answer[key], kind)
    assert answer == {
        "order_id": order["id"],
        "payment_id": "KASPI-12345",
        "payment_method": "kaspi",
        "amount": 27000,
        "payment_status": "success",
        "order_status": "paid",
    }
    assert await state(order["id"]) == (OrderStatus.PAID, 1, 2, 1)
    outbox = await OutboxEvent.get(event_type="payment.received")
    data = json.loads(outbox.payload["body"])["data"]
    assert data["payment_id"] == "KASPI-12345" and data["amount"] == 27000
    got = await (await api.get(f"/api/orders/{order['id']}", headers=headers)).json()
    assert got["status"] == "paid"
    assert got["customer"]["total_spent"] == 27000


async def test_a_replay_answers_the_first_answer_and_pays_nothing_twice(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    shop, headers, order = await order_to_pay(api, runtime)
    first = await (await pay(api, clock, order["id"])).json()
    # The order moves on before the provider retries: the replay still answers the same.
    for status in ("assembled", "delivery"):
        response = await api.patch(
            f"/api/orders/{order['id']}/status", json={"status": status}, headers=headers
        )
        assert response.status == 200
    clock.advance(seconds=30)
    before = await state(order["id"])
    for _ in range(2):
        response = await pay(api, clock, order["id"])
        assert response.status == 200
        assert await response.json() == first
    assert await state(order["id"]) == before
    assert await Payment.filter(order_id=order["id"]).count() == 1


async def test_the_same_payment_id_with_another_amount_is_a_conflict(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, _, order = await order_to_pay(api, runtime)
    assert (await pay(api, clock, order["id"])).status == 200
    before = await state(order["id"])
    response = await pay(api, clock, order["id"], {**NOTICE, "amount": 26000})
    assert response.status == 409
    assert isinstance((await response.json())["detail"], str)
    response = await pay(api, clock, order["id"], {**NOTICE, "status": "failed"})
    assert response.status == 409
    assert await state(order["id"]) == before
    assert (await Payment.get(external_id="KASPI-12345")).amount == 27000


async def test_a_second_payment_of_a_paid_order_is_refused(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, _, order = await order_to_pay(api, runtime)
    assert (await pay(api, clock, order["id"])).status == 200
    before = await state(order["id"])
    response = await pay(api, clock, order["id"], {**NOTICE, "payment_id": "KASPI-99999"})
    assert response.status == 409
    assert await state(order["id"]) == before


async def test_the_amount_must_equal_the_order_total(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, _, order = await order_to_pay(api, runtime)
    for amount in (26999, 27001, 0):
        response = await pay(api, clock, order["id"], {**NOTICE, "amount": amount})
        assert response.status == 422
        assert (await response.json())["detail"][0]["loc"] == ["body", "amount"]
    assert await state(order["id"]) == (OrderStatus.NEW, 0, 1, 0)


async def test_a_pending_payment_can_settle_later_and_a_failed_one_pays_nothing(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, _, order = await order_to_pay(api, runtime)
    response = await pay(
        api, clock, order["id"], {**NOTICE, "payment_id": "F-1", "status": "failed"}
    )
    assert (await response.json())["order_status"] == "new"
    response = await pay(api, clock, order["id"], {**NOTICE, "status": "pending"})
    assert response.status == 200
    assert (await response.json())["payment_status"] == "pending"
    assert await state(order["id"]) == (OrderStatus.NEW, 2, 1, 0)
    response = await pay(api, clock, order["id"])
    assert response.status == 200
    assert (await response.json())["order_status"] == "paid"
    assert await state(order["id"]) == (OrderStatus.PAID, 2, 2, 1)


async def test_a_cancelled_order_cannot_be_paid(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, headers, order = await order_to_pay(api, runtime)
    await api.delete(f"/api/orders/{order['id']}", headers=headers)
    response = await pay(api, clock, order["id"])
    assert response.status == 409
    assert await Payment.all().count() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong secret",
        "stale",
        "future",
        "no signature",
        "no timestamp",
        "bad timestamp",
        "changed body",
        "no prefix",
        "signature of another order",
    ],
)
async def test_forged_stale_or_missing_signatures_are_401_and_write_nothing(
    api: TestClient, runtime: Runtime, clock: FrozenClock, tamper: str
) -> None:
    _, _, order = await order_to_pay(api, runtime)
    body = json.dumps(NOTICE).encode()
    headers = signed(body, clock)
    if tamper == "wrong secret":
        headers = signed(body, clock, secret="another-secret-" + "x" * 30)
    elif tamper == "stale":
        headers = signed(body, clock, skew=-301)
    elif tamper == "future":
        headers = signed(body, clock, skew=301)
    elif tamper == "no signature":
        del headers["X-Webhook-Signature"]
    elif tamper == "no timestamp":
        del headers["X-Webhook-Timestamp"]
    elif tamper == "bad timestamp":
        headers["X-Webhook-Timestamp"] = "yesterday"
    elif tamper == "changed body":
        body = json.dumps({**NOTICE, "amount": 1}).encode()
    elif tamper == "no prefix":
        headers["X-Webhook-Signature"] = headers["X-Webhook-Signature"].removeprefix("sha256=")
    elif tamper == "signature of another order":
        # A valid signature made with the secret, but over another body (replayed elsewhere).
        other = json.dumps({**NOTICE, "payment_id": "KASPI-0"}).encode()
        headers = signed(other, clock)
    response = await api.post(
        f"/api/orders/{order['id']}/payment-webhook", data=body, headers=headers
    )
    assert response.status == 401, tamper
    assert isinstance((await response.json())["detail"], str)
    assert await state(order["id"]) == (OrderStatus.NEW, 0, 1, 0)


async def test_the_edge_of_the_300_second_window_is_accepted(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, _, order = await order_to_pay(api, runtime)
    assert (await pay(api, clock, order["id"], skew=-300)).status == 200


async def test_a_shop_without_a_payment_secret_refuses_every_call(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, _, order = await order_to_pay(api, runtime, secret=None)
    response = await pay(api, clock, order["id"], secret="")
    assert response.status == 403
    assert "payment secret" in (await response.json())["detail"]
    response = await api.post(f"/api/orders/{order['id']}/payment-webhook", json=NOTICE)
    assert response.status == 403
    assert await state(order["id"]) == (OrderStatus.NEW, 0, 1, 0)


async def test_an_unknown_order_is_404(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await order_to_pay(api, runtime)
    for order_id in (999_999, 0, -1, 99999999999999999999):
        response = await pay(api, clock, order_id)
        assert response.status == 404, order_id
        assert await response.json() == {"detail": "Order not found"}
    assert await Payment.all().count() == 0


@pytest.mark.parametrize(
    ("notice", "loc"),
    [
        ({**NOTICE, "amount": "27000"}, ["body", "amount"]),
        ({**NOTICE, "status": "maybe"}, ["body", "status"]),
        ({k: v for k, v in NOTICE.items() if k != "payment_id"}, ["body", "payment_id"]),
        ({**NOTICE, "payment_method": ""}, ["body", "payment_method"]),
        ("not json", ["body"]),
        ("", ["body"]),
    ],
)
async def test_signed_but_invalid_bodies_are_422_and_write_nothing(
    api: TestClient, runtime: Runtime, clock: FrozenClock, notice: Any, loc: list[Any]
) -> None:
    _, _, order = await order_to_pay(api, runtime)
    body = notice.encode() if isinstance(notice, str) else json.dumps(notice).encode()
    response = await api.post(
        f"/api/orders/{order['id']}/payment-webhook", data=body, headers=signed(body, clock)
    )
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == loc
    assert await state(order["id"]) == (OrderStatus.NEW, 0, 1, 0)


async def test_the_owner_makes_a_secret_that_signs_and_replaces_the_old_one(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    shop, headers, order = await order_to_pay(api, runtime)
    response = await api.put("/api/shop/payment-secret", headers=headers)
    assert response.status == 200
    answer = await response.json()
    assert set(answer) == {"payment_secret", "signature_header", "timestamp_header", "scheme"}
    fresh = answer["payment_secret"]
    assert len(fresh) >= 32 and fresh != SECRET
    assert (await pay(api, clock, order["id"])).status == 401
    assert (await pay(api, clock, order["id"], secret=fresh)).status == 200
    response = await api.delete("/api/shop/payment-secret", headers=headers)
    assert response.status == 204
    assert (await Shop.get(id=shop.id)).payment_secret is None
    assert (await pay(api, clock, order["id"], secret=fresh)).status == 403


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FLORIST, Role.COURIER, Role.CASHIER])
async def test_only_the_owner_or_an_admin_may_manage_the_secret(
    api: TestClient, runtime: Runtime, role: Role
) -> None:
    shop = await make_shop()
    shop.payment_secret = SECRET
    await shop.save()
    staff = await make_member(shop, role)
    headers = auth(token_for(runtime, staff, shop, role))
    for method in ("PUT", "DELETE"):
        response = await api.request(method, "/api/shop/payment-secret", headers=headers)
        assert response.status == 403
    assert (await Shop.get(id=shop.id)).payment_secret == SECRET
    admin = await make_member(shop, Role.ADMIN)
    response = await api.put(
        "/api/shop/payment-secret", headers=auth(token_for(runtime, admin, shop, Role.ADMIN))
    )
    assert response.status == 200
