"""Orders that live in another system (a Shopify store): each exists once here.

`import_order` is what both the webhook and the page-by-page sync call, with the
order as the provider shows it now:

    (provider, external id) known? ── no ──► place_order (channel = provider, lines with
       │                                     their own names and prices, placed_at the
       │                                     provider's date) ─► created; then its status
      yes
       ▼
    lines, sums, currency changed? ─► replaced (an `order.updated` event)
    status changed?                ─► advance_status to it (every machine step on the way)

Two arrivals of the same order racing (webhook and sync) both end in one order: the
unique (shop, external_provider, external_id) lets one create it, and the other updates
it. An order the machine cannot move to the provider's status (a cancelled order paid
again) keeps its status; the import says so in `ImportResult.refused`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.transactions import in_transaction

from core import events
from core.actors import SYSTEM
from core.clock import Clock
from core.errors import BadRequest, ValidationFailed
from core.models import Channel, Order, OrderItem
from core.orders.service import FreeLine, advance_status, place_order
from core.orders.status import OrderStatus


@dataclass(frozen=True)
class ExternalOrder:
    """An order as its provider shows it (sums in the currency's stored unit)."""

    provider: str
    external_id: str
    lines: Sequence[FreeLine]
    total: int
    currency: str
    status: OrderStatus
    placed_at: datetime | None = None
    customer_name: str = ""
    customer_phone: str | None = None
    customer_email: str | None = None
    address: str = ""
    comment: str | None = None
    fulfilled_at: datetime | None = None


@dataclass
class ImportResult:
    order: Order
    created: bool = False
    changed: list[str] = field(default_factory=list)
    refused: str | None = None


def _sums(incoming: ExternalOrder) -> tuple[int, int, int]:
    """(flower_sum, delivery_fee, discount): what the lines do not explain of the total
    is shipping and tax (a fee) or a discount."""
    lines = sum(line.total for line in incoming.lines)
    rest = incoming.total - lines
    return lines, max(rest, 0), max(-rest, 0)


async def _create(shop_id: int, incoming: ExternalOrder, clock: Clock | None) -> Order | None:
    flower_sum, fee, discount = _sums(incoming)
    phone = incoming.customer_phone
    try:
        return await place_order(
            shop_id=shop_id,
            customer_phone=phone,
            customer_name=incoming.customer_name,
            customer_email=incoming.customer_email,
            recipient_name=incoming.customer_name,
            address=incoming.address,
            lines=incoming.lines,
            flower_sum=flower_sum,
            delivery_fee=fee,
            discount=discount,
            currency=incoming.currency,
            placed_at=incoming.placed_at,
            comment=incoming.comment,
            channel=Channel(incoming.provider),
            external_provider=incoming.provider,
            external_id=incoming.external_id,
            clock=clock,
        )
    except ValidationFailed as error:
        if any(p.loc[:1] == ("external_id",) for p in error.problems):
            return None  # created meanwhile by the other arrival
        if phone and any(p.loc[:1] == ("customer_phone",) for p in error.problems):
            # A phone the store accepted but that is no number: the order without it.
            return await _create(shop_id, _without_phone(incoming), clock)
        raise


def _without_phone(incoming: ExternalOrder) -> ExternalOrder:
    from dataclasses import replace

    return replace(incoming, customer_phone=None)


async def _update(
    shop_id: int, order: Order, incoming: ExternalOrder, clock: Clock | None
) -> ImportResult:
    result = ImportResult(order=order)
    flower_sum, fee, discount = _sums(incoming)
    async with in_transaction():
        order = await Order.filter(id=order.id).select_for_update().first() or order
        items = await OrderItem.filter(order_id=order.id).order_by("id")
        stored = [(i.product_name, i.quantity, i.price) for i in items]
        wanted = [(line.name[:300], line.quantity, line.price) for line in incoming.lines]
        if stored != wanted:
            await OrderItem.filter(order_id=order.id).delete()
            for line in incoming.lines:
                await OrderItem.create(
                    order_id=order.id,
                    product_name=line.name[:300],
                    quantity=line.quantity,
                    price=line.price,
                    total=line.total,
                )
            result.changed.append("items")
        sums = {
            "flower_sum": flower_sum,
            "delivery_fee": fee,
            "discount": discount,
            "total": incoming.total,
            "currency": incoming.currency,
            "fulfilled_at": incoming.fulfilled_at or order.fulfilled_at,
        }
        moved = [name for name, value in sums.items() if getattr(order, name) != value]
        if moved:
            for name in moved:
                setattr(order, name, sums[name])
            await order.save(update_fields=[*moved, "updated_at"])
            result.changed.extend(moved)
        if result.changed:
            await events.emit(
                events.DomainEvent(
                    name=events.ORDER_UPDATED,
                    shop_id=shop_id,
                    key=f"order:{order.id}",
                    payload={"order_id": order.id, "fields": list(result.changed)},
                )
            )
    result.order = order
    return result


async def import_order(
    *, shop_id: int, incoming: ExternalOrder, clock: Clock | None = None
) -> ImportResult:
    """Create or bring up to date the shop's copy of a provider's order (see above)."""
    existing = await Order.get_or_none(
        shop_id=shop_id, external_provider=incoming.provider, external_id=incoming.external_id
    )
    if existing is None:
        created = await _create(shop_id, incoming, clock)
        if created is not None:
            result = ImportResult(order=created, created=True)
            if incoming.fulfilled_at is not None:
                created.fulfilled_at = incoming.fulfilled_at
                await created.save(update_fields=["fulfilled_at", "updated_at"])
        else:
            existing = await Order.get(
                shop_id=shop_id,
                external_provider=incoming.provider,
                external_id=incoming.external_id,
            )
    if existing is not None:
        result = await _update(shop_id, existing, incoming, clock)
    order = result.order
    if OrderStatus(order.status) is not incoming.status:
        try:
            result.order = await advance_status(
                shop_id=shop_id,
                order_id=order.id,
                to=incoming.status,
                actor=SYSTEM,
                comment=f"{incoming.provider}",
                clock=clock,
            )
            result.changed.append("status")
        except BadRequest as error:
            result.refused = error.detail
    return result
