"""Shop contract: orders (`/api/orders/...`) and the shop's payment secret.

Dialect (api.shop.schemas_orders, core.dialects.shop): statuses new, paid, assembled,
delivery, self_pickup, delivered, completed, issue map one to one onto core's canonical
statuses; canonical statuses the document does not name (`in_production`, `cancelled`)
read back as their canonical word, can be filtered on, and are never written through
this contract. `PATCH /status` allows exactly the document's moves (see
schemas_orders.DOCUMENTED_FLOW); anything else is a 400 naming the allowed next
statuses in shop words.

Decisions the document leaves open:

- Lists take `page` (from 1) and `limit` (1..100, default 50); `status` is a shop word;
  `search` looks in the customer's and recipient's phones (any spelling of the digits)
  and names and in the order id/number; `dateFrom`/`dateTo` filter on the creation time
  (UTC); a date without a time covers that whole day.
- `customer_phone` is required and, like every phone of this contract, Kazakh
  (+7XXXXXXXXXX); an optional `customer_name` names a customer seen for the first time.
- Totals are computed: `total = flower_sum + delivery_fee`; a `total` (or, with items,
  a `flower_sum`) that disagrees is a 422. Items are always priced from the catalog.
- `PUT` and `PATCH /orders/{id}` change only the fields given; a completed or cancelled
  order cannot be changed (409).
- `DELETE /orders/{id}` cancels the order through the status machine (stock is given
  back, the history and payments stay, an `order.status_changed` webhook goes out); it
  reads back as `cancelled`. A delivered or completed order cannot be deleted (400).
- `PATCH /issue` records the issue and moves the order to `issue`; `PATCH /status`
  with the status the order had before (or its next step) resolves it.
- The payment webhook must be signed (the document shows no signature, which would let
  anyone mark an order paid); the scheme and the payment rules are in core/payments.py.
  `PUT /api/shop/payment-secret` (owner or admin) makes a new secret and shows it once;
  `DELETE` switches payment webhooks off.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from api.errors import RequestValidationError
from api.keys import RUNTIME
from api.routing import validate_json_body
from api.shop import contract
from api.shop.schemas_orders import (
    DELIVERY_METHOD_FROM_WORD,
    MAX_YEAR,
    MIN_YEAR,
    YEAR_RULE,
    IssueIn,
    OrderCreate,
    OrderJson,
    OrderOut,
    OrderPage,
    OrderQuery,
    OrderUpdate,
    OrderWithItemsCreate,
    PaymentAnswer,
    PaymentWebhookIn,
    StatusIn,
    documented_moves,
    listed_order_json,
    order_details_json,
)
from core import payments
from core.actors import Actor
from core.auth.tokens import Principal
from core.dialects.shop import as_utc, order_status_from_word, order_status_word
from core.errors import BadRequest, ValidationFailed
from core.models import PaymentStatus
from core.orders.editing import update_order
from core.orders.queries import get_order_details, list_orders, order_details
from core.orders.service import ItemRequest, change_status, place_order, report_issue
from core.orders.status import InvalidTransition, OrderStatus
from core.runtime import Runtime

ORDER_ERRORS = {400: "Not allowed by the status flow", 404: "Order not found"}
ORDER_RULES = (
    YEAR_RULE,
    "flower_sum, when sent, equals the catalog sum of the order's items.",
    "total, when sent, equals flower_sum + delivery_fee.",
)


def _runtime(request: web.Request) -> Runtime:
    return request.config_dict[RUNTIME]


def _actor(principal: Principal) -> Actor:
    return Actor(user_id=principal.user_id, label=principal.label, role=principal.role)


def _in_shop_words(error: InvalidTransition) -> BadRequest:
    allowed = ", ".join(order_status_word(s) for s in error.allowed)
    return BadRequest(
        f"Cannot change status from '{order_status_word(error.current)}' to "
        f"'{order_status_word(error.target)}'. Allowed next statuses: "
        + (allowed or "none (the order is closed)")
    )


async def _read_back(principal: Principal, order_id: int) -> OrderJson:
    return order_details_json(await get_order_details(shop_id=principal.shop_id, order_id=order_id))


def _creation_bounds(query: OrderQuery) -> dict[str, datetime | None]:
    start = query.date_from
    end = query.date_to
    bounds: dict[str, datetime | None] = {
        "created_from": None,
        "created_before": None,
        "created_until": None,
    }
    if isinstance(start, datetime):
        bounds["created_from"] = as_utc(start)
    elif isinstance(start, date):
        bounds["created_from"] = datetime.combine(start, time.min, tzinfo=UTC)
    if isinstance(end, datetime):
        bounds["created_until"] = as_utc(end)
    elif isinstance(end, date):
        bounds["created_before"] = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    upper = bounds["created_until"] or bounds["created_before"]
    if bounds["created_from"] and upper and upper < bounds["created_from"]:
        raise ValidationFailed.field("dateTo", msg="dateTo must not be before dateFrom")
    return bounds


@contract.get(
    "/orders/",
    response=OrderPage,
    tags=("orders",),
    rules=(
        f"dateFrom and dateTo are in the years {MIN_YEAR}..{MAX_YEAR}; dateTo is not before dateFrom.",
    ),
)
async def list_shop_orders(
    request: web.Request, *, query: OrderQuery, principal: Principal
) -> dict[str, Any]:
    """Get orders (paginated, filtered by status, search and creation dates)."""
    page, total = await list_orders(
        shop_id=principal.shop_id,
        statuses=[order_status_from_word(query.status)] if query.status else None,
        search=query.search,
        offset=query.offset,
        limit=query.limit,
        **_creation_bounds(query),
    )
    # OrderPage as JSON, written once from the rows read.
    return {"items": [listed_order_json(listed) for listed in page], "total": total}


def _placement(body: OrderCreate | OrderWithItemsCreate) -> dict[str, Any]:
    window = body.delivery_window
    return {
        "customer_phone": body.customer_phone,
        "customer_name": body.customer_name,
        "recipient_phone": body.recipient_phone,
        "recipient_name": body.recipient_name,
        "address": body.address,
        "delivery_method": DELIVERY_METHOD_FROM_WORD[body.delivery_method],
        "delivery_from": window.from_time if window else None,
        "delivery_to": window.to_time if window else None,
        "delivery_fee": body.delivery_fee,
        "total": body.total,
        "comment": body.comment,
        "card_text": body.card_text,
        "flower_sum": body.flower_sum,
    }


@contract.post(
    "/orders/",
    response=OrderOut,
    status=201,
    tags=("orders",),
    responses={422: "Invalid"},
    idempotent=True,
    rules=ORDER_RULES,
)
async def create_order(
    request: web.Request, *, body: OrderCreate, principal: Principal
) -> OrderJson:
    """Create an order (total = flower_sum + delivery_fee)."""
    order = await place_order(
        shop_id=principal.shop_id,
        actor=_actor(principal),
        clock=_runtime(request).clock,
        **_placement(body),
    )
    return order_details_json(await order_details(order))


@contract.post(
    "/orders/with-items",
    response=OrderOut,
    status=201,
    tags=("orders",),
    idempotent=True,
    rules=ORDER_RULES,
)
async def create_order_with_items(
    request: web.Request, *, body: OrderWithItemsCreate, principal: Principal
) -> OrderJson:
    """Create an order from catalog products (prices from the catalog, never the client)."""
    order = await place_order(
        shop_id=principal.shop_id,
        items=[ItemRequest(product_id=i.product_id, quantity=i.quantity) for i in body.items],
        actor=_actor(principal),
        clock=_runtime(request).clock,
        **_placement(body),
    )
    return order_details_json(await order_details(order))


@contract.get("/orders/{order_id}", response=OrderOut, tags=("orders",), responses=ORDER_ERRORS)
async def get_order(request: web.Request, *, order_id: int, principal: Principal) -> OrderJson:
    """Get one order."""
    return await _read_back(principal, order_id)


async def _update(principal: Principal, order_id: int, body: OrderUpdate) -> OrderJson:
    given = body.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(body, name)
        for name in (
            "customer_phone",
            "recipient_phone",
            "recipient_name",
            "address",
            "flower_sum",
            "delivery_fee",
            "total",
            "comment",
            "card_text",
        )
        if name in given
    }
    if "delivery_method" in given:
        changes["delivery_method"] = DELIVERY_METHOD_FROM_WORD[body.delivery_method or "delivery"]
    if "delivery_window" in given:
        window = body.delivery_window
        changes["delivery_from"] = window.from_time if window else None
        changes["delivery_to"] = window.to_time if window else None
    order = await update_order(shop_id=principal.shop_id, order_id=order_id, **changes)
    return order_details_json(await order_details(order))


@contract.put(
    "/orders/{order_id}",
    response=OrderOut,
    tags=("orders",),
    responses=ORDER_ERRORS,
    rules=ORDER_RULES,
)
async def put_order(
    request: web.Request, *, order_id: int, body: OrderUpdate, principal: Principal
) -> OrderJson:
    """Update an order (only the fields given change)."""
    return await _update(principal, order_id, body)


@contract.patch(
    "/orders/{order_id}",
    response=OrderOut,
    tags=("orders",),
    responses=ORDER_ERRORS,
    rules=ORDER_RULES,
)
async def patch_order(
    request: web.Request, *, order_id: int, body: OrderUpdate, principal: Principal
) -> OrderJson:
    """Update an order (only the fields given change)."""
    return await _update(principal, order_id, body)


@contract.delete("/orders/{order_id}", status=204, tags=("orders",), responses=ORDER_ERRORS)
async def delete_order(request: web.Request, *, order_id: int, principal: Principal) -> None:
    """Delete an order: it is cancelled (history, payments and stock moves are kept)."""
    try:
        await change_status(
            shop_id=principal.shop_id,
            order_id=order_id,
            to=OrderStatus.CANCELLED,
            actor=_actor(principal),
            clock=_runtime(request).clock,
        )
    except InvalidTransition as error:
        raise _in_shop_words(error) from None


@contract.patch(
    "/orders/{order_id}/status", response=OrderOut, tags=("orders",), responses=ORDER_ERRORS
)
async def update_order_status(
    request: web.Request, *, order_id: int, body: StatusIn, principal: Principal
) -> OrderJson:
    """Update the order status (only the document's transitions)."""
    try:
        await change_status(
            shop_id=principal.shop_id,
            order_id=order_id,
            to=order_status_from_word(body.status),
            actor=_actor(principal),
            clock=_runtime(request).clock,
            restrict=documented_moves,
        )
    except InvalidTransition as error:
        raise _in_shop_words(error) from None
    return await _read_back(principal, order_id)


@contract.patch(
    "/orders/{order_id}/issue", response=OrderOut, tags=("orders",), responses=ORDER_ERRORS
)
async def report_order_issue(
    request: web.Request, *, order_id: int, body: IssueIn, principal: Principal
) -> OrderJson:
    """Report an issue with an order (moves it to `issue`)."""
    try:
        await report_issue(
            shop_id=principal.shop_id,
            order_id=order_id,
            issue_type=body.canonical_type,
            comment=body.comment,
            actor=_actor(principal),
            clock=_runtime(request).clock,
        )
    except InvalidTransition as error:
        raise _in_shop_words(error) from None
    return await _read_back(principal, order_id)


def _parse_notice(raw: bytes) -> payments.PaymentNotice:
    try:
        body = validate_json_body(PaymentWebhookIn, raw)
    except RequestValidationError as error:
        for problem in error.problems:  # the document names the body, not a position
            if problem["type"] == "json_invalid":
                problem["loc"] = ["body"]
        raise
    return payments.PaymentNotice(
        method=body.payment_method,
        payment_id=body.payment_id,
        amount=body.amount,
        status=PaymentStatus(body.status),
    )


@contract.post(
    "/orders/{order_id}/payment-webhook",
    response=PaymentAnswer,
    tags=("orders",),
    responses={
        401: "Missing, stale or invalid signature",
        403: "The shop has no payment secret",
        404: "Order not found",
        409: "The payment id was already used differently, or the order is already paid",
    },
    description=(
        "Called by the payment provider, signed with the shop's payment secret: "
        "`X-Webhook-Timestamp: <unix seconds>` and `X-Webhook-Signature: sha256=<hex of "
        "HMAC-SHA256(secret, timestamp + '.' + raw body)>`, at most 300 s old. Body: "
        '`{"payment_method": "kaspi", "payment_id": "KASPI-12345", "amount": 27000, '
        '"status": "success"}`. Idempotent on `payment_id`.'
    ),
    json_raw=True,
)
async def payment_webhook(request: web.Request, *, order_id: int, raw: bytes) -> PaymentAnswer:
    """Payment webhook (signed by the provider with the shop's secret)."""
    runtime = _runtime(request)
    order = await payments.webhook_order(
        order_id=order_id,
        timestamp=request.headers.get("X-Webhook-Timestamp"),
        signature=request.headers.get("X-Webhook-Signature"),
        body=raw,
        now=runtime.clock.now(),
    )
    answer = await payments.receive_payment(
        shop_id=order.shop_id,  # type: ignore[attr-defined]
        order_id=order.id,
        notice=_parse_notice(raw),
        clock=runtime.clock,
    )
    return PaymentAnswer(**{**answer, "order_status": order_status_word(answer["order_status"])})


class PaymentSecretOut(BaseModel):
    payment_secret: str
    signature_header: str = "X-Webhook-Signature"
    timestamp_header: str = "X-Webhook-Timestamp"
    scheme: str = "sha256=<hex HMAC-SHA256(payment_secret, timestamp + '.' + raw body)>"


@contract.put(
    "/shop/payment-secret",
    response=PaymentSecretOut,
    tags=("shop",),
    responses={403: "Only the owner or an admin"},
)
async def rotate_payment_secret(request: web.Request, *, principal: Principal) -> PaymentSecretOut:
    """Make a new payment webhook secret (shown once; the old one stops working)."""
    secret = await payments.set_payment_secret(shop_id=principal.shop_id, role=principal.role)
    return PaymentSecretOut(payment_secret=secret)


@contract.delete(
    "/shop/payment-secret",
    status=204,
    tags=("shop",),
    responses={403: "Only the owner or an admin"},
)
async def remove_payment_secret(request: web.Request, *, principal: Principal) -> None:
    """Switch payment webhooks off (every call is refused until a new secret is made)."""
    await payments.clear_payment_secret(shop_id=principal.shop_id, role=principal.role)
