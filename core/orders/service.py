"""Order use cases: place, change status, report and resolve issues, team, items.

Every function runs in one transaction: the order, its history, its stock moves and
the outbox rows of the events it emits are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import events, stock
from core.actors import SYSTEM, Actor
from core.catalog_texts import names_snapshot
from core.clock import Clock, SystemClock
from core.customers import find_or_register_customer
from core.errors import BadRequest, NotFound, ValidationFailed
from core.models import (
    Channel,
    Customer,
    DeliveryMethod,
    IssueType,
    Membership,
    Order,
    OrderIssue,
    OrderItem,
    OrderStatusEvent,
    Product,
    Role,
    Shop,
)
from core.orders.rules import check_order_rules
from core.orders.status import InvalidTransition, OrderStatus, allowed_next, check_transition
from core.permissions import Action, check, check_move
from core.phones import phone_or_422
from core.shops import member_roles
from core.tenancy import get_owned
from core.tokens import new_tracking_token

MAX_FLORISTS = 3


class Keep(Enum):
    """Leave a field as it is (distinct from None, which clears it)."""

    KEEP = 0


@dataclass(frozen=True)
class ItemRequest:
    product_id: int
    quantity: int = 1


@dataclass(frozen=True)
class FreeLine:
    """An item priced outside the catalog (an imported order's line: its own name and
    price, in the order's stored unit)."""

    name: str
    quantity: int
    price: int

    @property
    def total(self) -> int:
        return self.price * self.quantity


@dataclass(frozen=True)
class PricedItem:
    product: Product
    quantity: int
    price: int

    @property
    def total(self) -> int:
        return self.price * self.quantity


async def price_items(
    *, shop_id: int, items: Sequence[ItemRequest], loc: tuple[str | int, ...] = ("items",)
) -> list[PricedItem]:
    """Catalog prices for the requested items; an unknown or inactive product is a 422."""
    priced: list[PricedItem] = []
    ids = {i.product_id for i in items}
    products = {p.id: p for p in await Product.filter(shop_id=shop_id, id__in=list(ids))}
    for index, item in enumerate(items):
        product = products.get(item.product_id)
        if product is None or not product.is_active:
            raise ValidationFailed.field(
                *loc,
                index,
                "product_id",
                msg=f"Product {item.product_id} not found or not available",
            )
        if item.quantity < 1:
            raise ValidationFailed.field(*loc, index, "quantity", msg="Quantity must be at least 1")
        priced.append(
            PricedItem(product=product, quantity=item.quantity, price=product.current_price)
        )
    return priced


def compute_totals(
    *,
    flower_sum: int,
    delivery_fee: int,
    discount: int = 0,
    claimed_total: int | None = None,
    loc: tuple[str | int, ...] = ("total",),
) -> int:
    """total = flower_sum + delivery_fee - discount; a claimed total that differs is a 422."""
    total = flower_sum + delivery_fee - discount
    if claimed_total is not None and claimed_total != total:
        raise ValidationFailed.field(
            *loc,
            msg=f"total must equal flower_sum + delivery_fee ({total}), got {claimed_total}",
        )
    return total


async def _next_number(shop_id: int) -> int:
    last: Any = (
        await Order.filter(shop_id=shop_id)
        .order_by("-number")
        .first()
        .values_list("number", flat=True)
    )
    return int(last or 0) + 1


async def _acting_roles(shop_id: int, actor: Actor) -> set[Role]:
    """The roles a person holds in the shop now (an API key acts with its own role)."""
    if actor.user_id is not None:
        return await member_roles(shop_id=shop_id, user_id=actor.user_id)
    return {actor.role} if actor.role is not None else set()


async def check_team_member(*, shop_id: int, user_id: int, role: Role, field: str) -> None:
    """BadRequest (400) unless the user is a member of the shop with `role` (or
    owner/admin): a well-formed id in a body that names no such team member of this shop
    is refused by the shop's state, not malformed (no 422), and is no missing target
    resource either (404 is for the path's); `field` names the body field."""
    roles = {role, Role.OWNER, Role.ADMIN}
    if role is Role.MANAGER:
        roles = {Role.MANAGER, Role.OWNER, Role.ADMIN}
    ok = await Membership.filter(shop_id=shop_id, user_id=user_id, role__in=list(roles)).exists()
    if not ok:
        raise BadRequest(f"{role.value.capitalize()} {user_id} not found in this shop")


async def place_order(
    *,
    shop_id: int,
    customer_phone: str | None = None,
    customer_id: int | None = None,
    customer_name: str = "",
    recipient_name: str = "",
    recipient_phone: str | None = None,
    recipient_id: int | None = None,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    delivery_method: DeliveryMethod = DeliveryMethod.DELIVERY,
    delivery_from: datetime | None = None,
    delivery_to: datetime | None = None,
    items: Sequence[ItemRequest] = (),
    lines: Sequence[FreeLine] = (),
    flower_sum: int | None = None,
    delivery_fee: int = 0,
    discount: int = 0,
    total: int | None = None,
    currency: str | None = None,
    placed_at: datetime | None = None,
    customer_email: str | None = None,
    card_text: str | None = None,
    comment: str | None = None,
    channel: Channel = Channel.API,
    external_provider: str | None = None,
    external_id: str | None = None,
    language: str = "ru",
    manager_id: int | None = None,
    florist_ids: Sequence[int] = (),
    courier_id: int | None = None,
    actor: Actor = SYSTEM,
    clock: Clock | None = None,
) -> Order:
    """Create an order with server-side totals.

    Items are priced from the catalog; with items, a client-sent flower_sum that differs
    is a 422, and so is a total that differs from flower_sum + delivery_fee - discount.
    `lines` are items priced elsewhere (an imported order's); `placed_at` dates an
    imported order when it was placed, not when it arrived.
    """
    clock = clock or SystemClock()
    if delivery_fee < 0:
        raise ValidationFailed.field("delivery_fee", msg="delivery_fee must not be negative")
    if discount < 0:
        raise ValidationFailed.field("discount", msg="discount must not be negative")
    for index, line in enumerate(lines):
        if line.quantity < 1 or line.price < 0:
            raise ValidationFailed.field(
                "lines", index, msg="A line needs a quantity of at least 1 and a price >= 0"
            )
    if delivery_from and delivery_to and delivery_to <= delivery_from:
        raise ValidationFailed.field("delivery_window", msg="The window must end after it starts")
    if len(florist_ids) > MAX_FLORISTS:
        raise ValidationFailed.field("florist_ids", msg="At most 3 florists")
    if recipient_phone:
        recipient_phone = phone_or_422(recipient_phone, "recipient_phone")
    async with in_transaction():
        shop = await Shop.filter(id=shop_id).select_for_update().first()
        if shop is None:
            raise NotFound("Shop")
        priced = await price_items(shop_id=shop_id, items=items) if items else []
        if priced:
            computed = sum(p.total for p in priced)
            if flower_sum is not None and flower_sum != computed:
                raise ValidationFailed.field(
                    "flower_sum",
                    msg=f"flower_sum must equal the catalog sum of the items ({computed})",
                )
            flower_sum = computed
        if lines:
            flower_sum = sum(line.total for line in lines) + sum(p.total for p in priced)
        if flower_sum is None:
            raise ValidationFailed.field("flower_sum", msg="Field required", type="missing")
        if flower_sum < 0:
            raise ValidationFailed.field("flower_sum", msg="flower_sum must not be negative")
        grand_total = compute_totals(
            flower_sum=flower_sum, delivery_fee=delivery_fee, discount=discount, claimed_total=total
        )
        customer: Customer | None = None
        if customer_id is not None:
            customer = await get_owned(Customer, shop_id=shop_id, id=customer_id)
        elif customer_phone:
            customer, _ = await find_or_register_customer(
                shop_id=shop_id,
                phone=customer_phone,
                name=customer_name,
                loc=("customer_phone",),
                **({"email": customer_email} if customer_email else {}),
            )
        recipient: Customer | None = None
        if recipient_id is not None:
            recipient = await get_owned(Customer, shop_id=shop_id, id=recipient_id)
            recipient_name = recipient_name or recipient.name
            recipient_phone = recipient_phone or recipient.phone
        for user_id, role, field in (
            (manager_id, Role.MANAGER, "manager_id"),
            (courier_id, Role.COURIER, "courier_id"),
        ):
            if user_id is not None:
                await check_team_member(shop_id=shop_id, user_id=user_id, role=role, field=field)
        for florist_id in florist_ids:
            await check_team_member(
                shop_id=shop_id, user_id=florist_id, role=Role.FLORIST, field="florist_ids"
            )
        now = clock.now()
        # An imported order keeps its own date; any other is dated by the database.
        dated: dict[str, Any] = {"created_at": placed_at} if placed_at is not None else {}
        try:
            order = await Order.create(
                shop_id=shop_id,
                number=await _next_number(shop_id),
                customer=customer,
                recipient=recipient,
                recipient_name=recipient_name or (customer.name if customer else ""),
                recipient_phone=recipient_phone,
                address=address,
                latitude=latitude,
                longitude=longitude,
                delivery_method=delivery_method,
                delivery_from=delivery_from,
                delivery_to=delivery_to,
                card_text=card_text,
                comment=comment,
                status=OrderStatus.NEW,
                status_changed_at=now,
                flower_sum=flower_sum,
                delivery_fee=delivery_fee,
                discount=discount,
                total=grand_total,
                currency=currency,
                **dated,
                channel=channel,
                external_provider=external_provider,
                external_id=external_id,
                tracking_token=new_tracking_token(),
                language=language,
                manager_id=manager_id,
                courier_id=courier_id,
            )
        except IntegrityError:
            raise ValidationFailed.field(
                "external_id", msg="An order with this external id already exists"
            ) from None
        # All lines in one statement, in the order given (free lines first).
        rows = [
            OrderItem(
                order=order,
                product=None,
                product_name=line.name[:300],
                quantity=line.quantity,
                price=line.price,
                total=line.total,
            )
            for line in lines
        ] + [
            OrderItem(
                order=order,
                product=p.product,
                product_name=p.product.name,
                product_names=names_snapshot(p.product),
                quantity=p.quantity,
                price=p.price,
                total=p.total,
            )
            for p in priced
        ]
        if rows:
            await OrderItem.bulk_create(rows)
        if florist_ids:
            from core.models import User

            await order.florists.add(*await User.filter(id__in=list(florist_ids)))
        await OrderStatusEvent.create(
            order=order,
            from_status=None,
            to_status=OrderStatus.NEW,
            actor_id=actor.user_id,
            actor_label=actor.label,
        )
        await events.emit(
            events.DomainEvent(
                name=events.ORDER_CREATED,
                shop_id=shop_id,
                key=f"order:{order.id}",
                payload={
                    "order_id": order.id,
                    "number": order.number,
                    "total": order.total,
                    "channel": order.channel.value,
                    "tracking_token": order.tracking_token,
                },
            )
        )
    return order


async def change_status(
    *,
    shop_id: int,
    order_id: int,
    to: OrderStatus,
    actor: Actor = SYSTEM,
    comment: str | None = None,
    label: str | None = None,
    clock: Clock | None = None,
    restrict: Callable[[OrderStatus, OrderStatus | None], Collection[OrderStatus]] | None = None,
) -> Order:
    """Move an order through the status machine.

    Outcomes: the new status with a history row and an `order.status_changed` event;
    InvalidTransition (400) naming the allowed next statuses; RoleForbidden (403) when
    the acting person's roles may not make the move (core.permissions); the order's own
    rules (core.orders.rules: AwaitingApproval 409, NotYours 403, PhotoRequired 409);
    Conflict (409) when assembling needs stock that is not there. Assembling takes the composition out of
    stock; cancelling gives back whatever was taken. `restrict(current, before_issue)`
    lets a dialect narrow the machine to the moves its document names (checked under the
    row lock, InvalidTransition listing only the moves left).
    """
    clock = clock or SystemClock()
    async with in_transaction():
        order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
        current = OrderStatus(order.status)
        if to == current and label is not None and label != order.status_label:
            # Same canonical status under another dialect word: only the label changes.
            order.status_label = label
            await order.save(update_fields=["status_label", "updated_at"])
            return order
        before_issue = OrderStatus(order.status_before_issue) if order.status_before_issue else None
        if restrict is not None:
            narrowed = set(restrict(current, before_issue))
            allowed = [s for s in allowed_next(current, before_issue=before_issue) if s in narrowed]
            if to not in allowed:
                raise InvalidTransition(current, to, allowed)
        check_transition(current, to, before_issue=order.status_before_issue)
        roles: set[Role] | None = None
        if actor.role is not None:
            # A person or key acting in the shop: their roles must allow the move (403).
            roles = await _acting_roles(shop_id, actor)
            check_move(roles, to=to, from_status=current)
        await check_order_rules(order, to=to, roles=roles, user_id=actor.user_id)
        if to is OrderStatus.ASSEMBLED:
            await stock.consume_for_order(order, user_id=actor.user_id)
        elif to is OrderStatus.CANCELLED:
            await stock.return_for_order(order, user_id=actor.user_id)
        if to is OrderStatus.ISSUE:
            order.status_before_issue = current
        elif current is OrderStatus.ISSUE:
            order.status_before_issue = None  # type: ignore[assignment]
            await OrderIssue.filter(order_id=order.id, resolved_at__isnull=True).update(
                resolved_at=clock.now()
            )
        order.status = to
        order.status_label = label
        order.status_changed_at = clock.now()
        await order.save(
            update_fields=[
                "status",
                "status_label",
                "status_before_issue",
                "status_changed_at",
                "updated_at",
            ]
        )
        await OrderStatusEvent.create(
            order=order,
            from_status=current,
            to_status=to,
            actor_id=actor.user_id,
            actor_label=actor.label,
            comment=comment,
        )
        await events.emit(
            events.DomainEvent(
                name=events.ORDER_STATUS_CHANGED,
                shop_id=shop_id,
                key=f"order:{order.id}",
                payload={
                    "order_id": order.id,
                    "number": order.number,
                    "old_status": current.value,
                    "new_status": to.value,
                    "tracking_token": order.tracking_token,
                    "actor_user_id": actor.user_id,
                    "actor_label": actor.label,
                    "comment": comment,
                },
            )
        )
    return order


async def report_issue(
    *,
    shop_id: int,
    order_id: int,
    issue_type: IssueType,
    comment: str | None = None,
    actor: Actor = SYSTEM,
    clock: Clock | None = None,
) -> tuple[Order, OrderIssue]:
    """Record a problem and move the order to `issue` (from any open status)."""
    async with in_transaction():
        order = await get_owned(Order, shop_id=shop_id, id=order_id)
        before = OrderStatus(order.status)
        order = await change_status(
            shop_id=shop_id,
            order_id=order_id,
            to=OrderStatus.ISSUE,
            actor=actor,
            comment=comment,
            clock=clock,
        )
        issue = await OrderIssue.create(
            order=order,
            issue_type=issue_type,
            comment=comment,
            status_before=before,
            reported_by_id=actor.user_id,
        )
        await events.emit(
            events.DomainEvent(
                name=events.ORDER_ISSUE_REPORTED,
                shop_id=shop_id,
                key=f"order:{order.id}",
                payload={
                    "order_id": order.id,
                    "number": order.number,
                    "issue_type": issue_type.value,
                    "comment": comment,
                },
            )
        )
    return order, issue


async def resolve_issue(
    *,
    shop_id: int,
    order_id: int,
    actor: Actor = SYSTEM,
    to: OrderStatus | None = None,
    clock: Clock | None = None,
) -> Order:
    """Return an order from `issue` to the status it had before (or to `to`)."""
    order = await get_owned(Order, shop_id=shop_id, id=order_id)
    target = to or order.status_before_issue or OrderStatus.NEW
    return await change_status(
        shop_id=shop_id, order_id=order_id, to=OrderStatus(target), actor=actor, clock=clock
    )


async def recompute_totals(order: Order) -> Order:
    """flower_sum from the items (when there are any) and total from the parts."""
    items = await OrderItem.filter(order_id=order.id)
    if items:
        order.flower_sum = sum(i.total for i in items)
    order.total = compute_totals(
        flower_sum=order.flower_sum, delivery_fee=order.delivery_fee, discount=order.discount
    )
    await order.save(update_fields=["flower_sum", "total", "updated_at"])
    return order


async def set_team(
    *,
    shop_id: int,
    order_id: int,
    manager_id: int | None | Keep = Keep.KEEP,
    courier_id: int | None | Keep = Keep.KEEP,
    florist_ids: Sequence[int] | None = None,
    actor: Actor = SYSTEM,
) -> Order:
    """Change the order's team; each named user must hold the matching role (else 422),
    and the acting person must be allowed to assign a team (else 403)."""
    async with in_transaction():
        order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
        if actor.role is not None:
            check(await _acting_roles(shop_id, actor), Action.ASSIGN_TEAM)
        if not isinstance(manager_id, Keep):
            if manager_id is not None:
                await check_team_member(
                    shop_id=shop_id, user_id=manager_id, role=Role.MANAGER, field="manager_id"
                )  # type: ignore[arg-type]
            order.manager_id = manager_id  # type: ignore[attr-defined]
        if not isinstance(courier_id, Keep):
            if courier_id is not None:
                await check_team_member(
                    shop_id=shop_id, user_id=courier_id, role=Role.COURIER, field="courier_id"
                )  # type: ignore[arg-type]
            order.courier_id = courier_id  # type: ignore[attr-defined]
        await order.save(update_fields=["manager_id", "courier_id", "updated_at"])
        if florist_ids is not None:
            if not 1 <= len(florist_ids) <= MAX_FLORISTS or len(set(florist_ids)) != len(
                florist_ids
            ):
                raise ValidationFailed.field(
                    "florist_ids", msg="An order needs 1 to 3 distinct florists"
                )
            for florist_id in florist_ids:
                await check_team_member(
                    shop_id=shop_id, user_id=florist_id, role=Role.FLORIST, field="florist_ids"
                )
            from core.models import User

            await order.florists.clear()
            await order.florists.add(*await User.filter(id__in=list(florist_ids)))
        await events.emit(
            events.DomainEvent(
                name=events.ORDER_TEAM_CHANGED,
                shop_id=shop_id,
                key=f"order:{order.id}",
                payload={
                    "order_id": order.id,
                    "manager_id": order.manager_id,  # type: ignore[attr-defined]
                    "courier_id": order.courier_id,  # type: ignore[attr-defined]
                    "florist_ids": list(florist_ids) if florist_ids is not None else None,
                    "actor_user_id": actor.user_id,
                },
            )
        )
    return order


def path_to(
    current: OrderStatus, target: OrderStatus, *, before_issue: OrderStatus | None = None
) -> list[OrderStatus] | None:
    """The shortest run of machine moves from `current` to `target` (never through
    `issue` or `cancelled` on the way); [] when already there, None when unreachable."""
    if current is target:
        return []
    detours = {OrderStatus.ISSUE, OrderStatus.CANCELLED}
    paths: dict[OrderStatus, list[OrderStatus]] = {current: []}
    frontier = [current]
    while frontier:
        following: list[OrderStatus] = []
        for status in frontier:
            nexts = allowed_next(status, before_issue=before_issue if status is current else None)
            for step in nexts:
                if step in paths or (step in detours and step is not target):
                    continue
                paths[step] = [*paths[status], step]
                if step is target:
                    return paths[step]
                following.append(step)
        frontier = following
    return None


async def advance_status(
    *,
    shop_id: int,
    order_id: int,
    to: OrderStatus,
    actor: Actor = SYSTEM,
    comment: str | None = None,
    label: str | None = None,
    clock: Clock | None = None,
) -> Order:
    """Move an order to `to` through every machine step on the way (new → delivered is
    paid, in production, assembled, in delivery, delivered), for dialects and imports
    whose word names a state, not a step. Each step is a `change_status` (its history
    row, event, stock and rules), all in one transaction; unreachable is the machine's
    InvalidTransition (400)."""
    async with in_transaction():
        order = await get_owned(Order, shop_id=shop_id, id=order_id, for_update=True)
        current = OrderStatus(order.status)
        before = OrderStatus(order.status_before_issue) if order.status_before_issue else None
        steps = path_to(current, to, before_issue=before)
        if steps is None:
            raise InvalidTransition(current, to, allowed_next(current, before_issue=before))
        if not steps:
            if label is not None and label != order.status_label:
                return await change_status(
                    shop_id=shop_id, order_id=order_id, to=to, actor=actor, label=label, clock=clock
                )
            return order
        for index, step in enumerate(steps):
            last = index == len(steps) - 1
            order = await change_status(
                shop_id=shop_id,
                order_id=order_id,
                to=step,
                actor=actor,
                comment=comment if last else None,
                label=label if last else None,
                clock=clock,
            )
    return order
