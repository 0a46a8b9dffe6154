"""Payments reported by a provider's webhook, and the shop's secret that authenticates them.

Signature scheme (the seed shows an unsigned webhook, which would let anyone mark an
order paid, so Sauda requires one):

    X-Webhook-Timestamp: <unix seconds>
    X-Webhook-Signature: sha256=<hex of HMAC-SHA256(shop.payment_secret,
                                                     "<timestamp>." + raw request body)>

The timestamp must be within 300 s of our clock (either way), the comparison is
constant-time, and a shop that has set no secret refuses every call (403), so the
endpoint fails closed.

Rules of a payment notice, keyed on the provider's payment id (`payment_id`):

- first time: the amount must equal the order total (422); `success` moves a `new` order
  to `paid` and emits `payment.received`; a second successful payment of an order that
  is already paid, or a payment of a cancelled order, is refused (409);
- the same id again with the same order, amount and status: the first answer, and nothing
  is written (a replay); a `pending` payment may later turn `success` or `failed`;
- the same id with another amount or order, or a settled status changing: 409.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import events
from core.actors import Actor
from core.clock import Clock, SystemClock
from core.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from core.models import Order, OrderStatus, Payment, PaymentStatus, Role, Shop
from core.orders.service import change_status
from core.tenancy import MAX_ID, get_owned

SIGNATURE_PREFIX = "sha256="
MAX_SKEW_SECONDS = 300


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Webhook-Signature` value for a body sent at `timestamp`."""
    message = f"{timestamp}.".encode() + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    *, secret: str, timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> None:
    """Raise Unauthorized unless the signature is fresh and made with `secret`."""
    if not timestamp or not signature:
        raise Unauthorized("Missing X-Webhook-Signature or X-Webhook-Timestamp header")
    try:
        sent_at = int(timestamp.strip())
    except ValueError:
        raise Unauthorized("X-Webhook-Timestamp must be unix seconds") from None
    if abs(int(now.timestamp()) - sent_at) > MAX_SKEW_SECONDS:
        raise Unauthorized("Stale webhook: the timestamp is more than 300 seconds away")
    expected = sign(secret, sent_at, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise Unauthorized("Invalid webhook signature")


async def webhook_order(
    *, order_id: int, timestamp: str | None, signature: str | None, body: bytes, now: datetime
) -> Order:
    """The order a signed webhook is about, once its shop's secret vouches for the body.

    Outcomes: the order; NotFound (no such order); Forbidden (its shop has no payment
    secret); Unauthorized (missing, stale or wrong signature).
    """
    order = await Order.get_or_none(id=order_id) if 0 < order_id <= MAX_ID else None
    if order is None:
        raise NotFound("Order")
    shop = await Shop.get(id=order.shop_id)  # type: ignore[attr-defined]
    if not shop.payment_secret:
        raise Forbidden(
            "Payment webhooks are disabled for this shop: set a payment secret first "
            "(PUT /api/shop/payment-secret)"
        )
    verify_signature(
        secret=shop.payment_secret, timestamp=timestamp, signature=signature, body=body, now=now
    )
    return order


@dataclass(frozen=True)
class PaymentNotice:
    """What the provider says happened to a payment."""

    method: str
    payment_id: str
    amount: int
    status: PaymentStatus


def _answer(order: Order, payment: Payment) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "payment_id": payment.external_id,
        "payment_method": payment.provider,
        "amount": int(payment.amount),
        "payment_status": PaymentStatus(payment.status).value,
        "order_status": OrderStatus(order.status).value,
    }


def _same_request(payment: Payment, order: Order, notice: PaymentNotice) -> None:
    if payment.order_id != order.id:  # type: ignore[attr-defined]
        raise Conflict(f"Payment {notice.payment_id} belongs to another order")
    if int(payment.amount) != notice.amount:
        raise Conflict(
            f"Payment {notice.payment_id} was already reported with amount {payment.amount}"
        )


async def receive_payment(
    *, shop_id: int, order_id: int, notice: PaymentNotice, clock: Clock | None = None
) -> dict[str, Any]:
    """Record what a provider reports; returns the answer (the stored one for a replay).

    See the module docstring for the outcomes.
    """
    clock = clock or SystemClock()
    actor = Actor(label=f"payment:{notice.method}")
    try:
        async with in_transaction():
            order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
            payment = await Payment.filter(
                provider=notice.method, external_id=notice.payment_id
            ).first()
            if payment is not None:
                if payment.shop_id != shop_id:  # type: ignore[attr-defined]
                    raise Conflict(f"Payment {notice.payment_id} belongs to another order")
                _same_request(payment, order, notice)
                stored = PaymentStatus(payment.status)
                if stored is notice.status:
                    return dict(payment.response)
                if stored is not PaymentStatus.PENDING:
                    raise Conflict(
                        f"Payment {notice.payment_id} is already {stored.value} and cannot "
                        f"become {notice.status.value}"
                    )
            elif notice.amount != int(order.total):
                raise ValidationFailed.field(
                    "amount",
                    msg=f"amount must equal the order total ({order.total}), got {notice.amount}",
                )
            if notice.status is PaymentStatus.SUCCESS:
                order = await _settle(order, notice, actor=actor, clock=clock)
            if payment is None:
                payment = await Payment.create(
                    shop_id=shop_id,
                    order=order,
                    provider=notice.method,
                    external_id=notice.payment_id,
                    amount=notice.amount,
                    status=notice.status,
                )
            else:
                payment.status = notice.status
            payment.response = _answer(order, payment)
            await payment.save()
            if notice.status is PaymentStatus.SUCCESS:
                await events.emit(
                    events.DomainEvent(
                        name=events.PAYMENT_RECEIVED,
                        shop_id=shop_id,
                        key=f"order:{order.id}",
                        payload={
                            "order_id": order.id,
                            "number": order.number,
                            "payment_id": notice.payment_id,
                            "payment_method": notice.method,
                            "amount": notice.amount,
                            "tracking_token": order.tracking_token,
                        },
                    )
                )
            return dict(payment.response)
    except IntegrityError:
        # Another request recorded this payment id in the meantime: answer as a replay.
        payment = await Payment.filter(
            provider=notice.method, external_id=notice.payment_id
        ).first()
        if payment is None or payment.shop_id != shop_id:  # type: ignore[attr-defined]
            raise Conflict(f"Payment {notice.payment_id} belongs to another order") from None
        order = await get_owned(Order, shop_id=shop_id, id=order_id)
        _same_request(payment, order, notice)
        if PaymentStatus(payment.status) is not notice.status:
            raise Conflict(f"Payment {notice.payment_id} is already {payment.status}") from None
        return dict(payment.response)


async def _settle(order: Order, notice: PaymentNotice, *, actor: Actor, clock: Clock) -> Order:
    """A successful payment: refuse paying twice or paying a cancelled order; `new` -> `paid`."""
    status = OrderStatus(order.status)
    if status is OrderStatus.CANCELLED:
        raise Conflict(f"Order {order.id} is cancelled and cannot be paid")
    paid_before = await Payment.filter(order_id=order.id, status=PaymentStatus.SUCCESS).exists()
    if paid_before:
        raise Conflict(f"Order {order.id} is already paid")
    if status is OrderStatus.NEW:
        return await change_status(
            shop_id=order.shop_id,  # type: ignore[attr-defined]
            order_id=order.id,
            to=OrderStatus.PAID,
            actor=actor,
            comment=f"{notice.method} {notice.payment_id}",
            clock=clock,
        )
    return order


SECRET_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def _check_role(role: Role | None) -> None:
    if role is not None and Role(role) not in SECRET_ROLES:
        raise Forbidden("Only the shop's owner or an admin may manage the payment secret")


async def set_payment_secret(
    *, shop_id: int, role: Role | None = None, secret: str | None = None
) -> str:
    """Give the shop a payment webhook secret (a new random one unless given); returns it.

    `role` is the caller's: only an owner or an admin may (Forbidden otherwise).
    """
    _check_role(role)
    value = secret or secrets.token_hex(32)
    if len(value) < 16:
        raise ValidationFailed.field("secret", msg="A secret needs at least 16 characters")
    updated = await Shop.filter(id=shop_id).update(payment_secret=value)
    if not updated:
        raise NotFound("Shop")
    return value


async def clear_payment_secret(*, shop_id: int, role: Role | None = None) -> None:
    """Switch payment webhooks off for the shop (every call is refused until a new secret)."""
    _check_role(role)
    await Shop.filter(id=shop_id).update(payment_secret=None)
