"""Bouquet approval: the customer sees the assembled bouquet before it leaves the shop.

    assembled with a photo ──► pending ──► approved ─────────────► released to the courier
       (approval on, customer      │  └──► auto_approved (no answer within the timeout
        has a chat linked)         │        while the delivery window is near)
                                   └──► change_requested: the order goes back to
                                        in_production and the florists are told why

    approval off, or nobody to ask ──► not_required (released at once)

Shop setting `settings["bouquet_approval"]`: `{"enabled": true, "approval_timeout_minutes":
30}` (both optional; `false` alone switches it off). While an order is `pending` it may
not leave for delivery or pickup (core.orders.rules).

The customer is asked on every chat they have (core.notify: Telegram, WhatsApp) with two
actions of domain meaning, `approval.approve` and `approval.change` of the order; each
channel encodes them its own way and hands the press back as the same action, with the
chat it came from (`approve(address=...)`). Staff (florists, couriers) stay on Telegram.

An approval is for the photo it was shown on. A channel that can tell which message was
pressed records each approval photo it showed (`remember_shown`: a Notification
`approval_shown`, ref `<order id>@<channel>:<chat>`, period = the channel's message
ref); the press then names its photo (`shown_photo`), and `approve`/`request_change`
with a `photo_id` that a newer photo replaced raise `OutdatedPhoto` and change nothing.
`remember_shown` also returns the earlier photos of the order in that chat, whose
buttons the channel takes away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core import events
from core.actors import SYSTEM, Actor
from core.channels.telegram_out import send_chat_message
from core.clock import Clock, SystemClock
from core.customers import chat_addresses, customer_by_address
from core.errors import BadRequest, Conflict, Forbidden
from core.models import ApprovalStatus, Customer, Notification, Order, PhotoKind, Shop, User
from core.notify import tell
from core.orders.service import change_status
from core.orders.status import OrderStatus
from core.photos import add_order_photo, chat_photo, latest_photo
from core.ports.chat import Action, ChatAddress, OutgoingMessage
from core.tenancy import get_owned

ORDER_APPROVAL_CHANGED = "order.approval_changed"
DEFAULT_TIMEOUT_MINUTES = 30
APPROVE = "approval.approve"
CHANGE = "approval.change"
SHOWN_KIND = "approval_shown"


class OutdatedPhoto(Conflict):
    """The press is on an approval photo that a newer photo of the order replaced."""


def _(message: str) -> str:
    """Marks a text for Babel; the bot renders it in the reader's language at delivery."""
    return message


ASK_CUSTOMER = _(
    "Your bouquet for order #{number} is ready. Here it is. Do you like it?\n"
    "Press \u201cApprove\u201d and we will send it out, or ask for a change."
)
APPROVE_BUTTON = _("Approve")
CHANGE_BUTTON = _("Ask for a change")
CHANGE_REQUESTED_FOR_FLORIST = _(
    "The customer asked for a change to order #{number}: {comment}\n"
    "The order is back in production."
)
RELEASED_FOR_COURIER = _("Order #{number} is ready to go out: {address}")
AUTO_APPROVED_FOR_CUSTOMER = _(
    "We did not hear back about the bouquet for order #{number}, so we are sending it as "
    "it is, to arrive on time."
)


@dataclass(frozen=True)
class ApprovalConfig:
    enabled: bool = True
    timeout_minutes: int = DEFAULT_TIMEOUT_MINUTES


def approval_config(shop: Shop) -> ApprovalConfig:
    """The shop's approval setting, with defaults for anything missing or malformed."""
    raw: Any = (shop.settings or {}).get("bouquet_approval", {})
    if isinstance(raw, bool):
        return ApprovalConfig(enabled=raw)
    if not isinstance(raw, dict):
        return ApprovalConfig()
    timeout = raw.get(
        "approval_timeout_minutes",
        (shop.settings or {}).get("approval_timeout_minutes", DEFAULT_TIMEOUT_MINUTES),
    )
    try:
        timeout = max(1, int(timeout))
    except (TypeError, ValueError):
        timeout = DEFAULT_TIMEOUT_MINUTES
    return ApprovalConfig(enabled=bool(raw.get("enabled", True)), timeout_minutes=timeout)


async def _reachable_customer(order: Order) -> tuple[Customer, list[ChatAddress]] | None:
    if order.customer_id is None:  # type: ignore[attr-defined]
        return None
    customer = await Customer.get_or_none(id=order.customer_id)  # type: ignore[attr-defined]
    if customer is None:
        return None
    addresses = await chat_addresses(customer_id=customer.id)
    return (customer, addresses) if addresses else None


async def needs_approval(*, shop_id: int, order_id: int) -> bool:
    """Whether marking this order assembled should ask its customer to approve a photo."""
    order = await get_owned(Order, shop_id=shop_id, id=order_id)
    shop = await Shop.get(id=shop_id)
    return approval_config(shop).enabled and await _reachable_customer(order) is not None


def approval_actions(order_id: int, photo_id: int | None = None) -> tuple[tuple[Action, ...], ...]:
    """Approve / Ask for a change of `order_id`'s photo `photo_id`: the value is
    `<order id>.<photo id>`, so a press names the photo it was shown on on any channel
    (an older message's value is the order id alone)."""
    value = str(order_id) if photo_id is None else f"{order_id}.{photo_id}"
    return (
        (
            Action(APPROVE, value, label=APPROVE_BUTTON),
            Action(CHANGE, value, label=CHANGE_BUTTON),
        ),
    )


def pressed(value: str) -> tuple[int, int | None]:
    """The order id and photo id (None when not named) of an approval action's value;
    (0, None) for a value that is no approval (no order has id 0)."""
    order, _, photo = value.partition(".")
    if not order.isdigit() or (photo and not photo.isdigit()):
        return 0, None
    return int(order), int(photo) if photo else None


async def _emit(order: Order, actor: Actor) -> None:
    await events.emit(
        events.DomainEvent(
            name=ORDER_APPROVAL_CHANGED,
            shop_id=order.shop_id,  # type: ignore[attr-defined]
            key=f"order:{order.id}",
            payload={
                "order_id": order.id,
                "number": order.number,
                "approval_status": ApprovalStatus(order.approval_status).value,
                "comment": order.approval_comment,
                "actor_user_id": actor.user_id,
                "actor_label": actor.label,
            },
        )
    )


async def _tell_courier(order: Order, now: datetime) -> None:
    if order.courier_id is None:  # type: ignore[attr-defined]
        return
    courier = await User.get_or_none(id=order.courier_id)  # type: ignore[attr-defined]
    if courier is None or courier.telegram_chat_id is None:
        return
    await send_chat_message(
        chat_id=courier.telegram_chat_id,
        text=RELEASED_FOR_COURIER,
        params={"number": order.number, "address": order.address or "-"},
        language=courier.language,
        shop_id=order.shop_id,  # type: ignore[attr-defined]
        event_type="order_released",
        order_id=order.id,
        now=now,
    )


async def mark_assembled(
    *,
    shop_id: int,
    order_id: int,
    actor: Actor,
    data_dir: Path | None = None,
    photo: bytes | None = None,
    telegram_file_id: str | None = None,
    public_base_url: str = "",
    clock: Clock | None = None,
) -> Order:
    """Move the order to `assembled`, store the bouquet photo, and ask for approval.

    Outcomes: `pending` with the photo sent to the customer's chat when approval is on,
    the customer is in Telegram and a photo came; otherwise `not_required` (released at
    once, the assigned courier is told). Errors of the status machine, stock or photo
    leave nothing changed.
    """
    clock = clock or SystemClock()
    async with in_transaction():
        order = await change_status(
            shop_id=shop_id, order_id=order_id, to=OrderStatus.ASSEMBLED, actor=actor, clock=clock
        )
        stored = None
        if photo is not None:
            if data_dir is None:
                raise ValueError("data_dir is needed to store a photo")
            stored = await add_order_photo(
                shop_id=shop_id,
                order_id=order_id,
                kind=PhotoKind.ASSEMBLED,
                data=photo,
                data_dir=data_dir,
                public_base_url=public_base_url,
                telegram_file_id=telegram_file_id,
                actor=actor,
            )
        shop = await Shop.get(id=shop_id)
        reachable = await _reachable_customer(order)
        if approval_config(shop).enabled and reachable is not None and stored is not None:
            customer, addresses = reachable
            order.approval_status = ApprovalStatus.PENDING
            order.approval_requested_at = clock.now()
            order.approval_comment = None  # type: ignore[assignment]
            await order.save(
                update_fields=[
                    "approval_status",
                    "approval_requested_at",
                    "approval_comment",
                    "updated_at",
                ]
            )
            await tell(
                addresses,
                OutgoingMessage(
                    text=ASK_CUSTOMER,
                    params={"number": order.number},
                    language=customer.language or order.language,
                    photos=(chat_photo(stored),),
                    actions=approval_actions(order.id, stored.id),
                    order_id=order.id,
                ),
                shop_id=shop_id,
                event_type="approval_request",
                now=clock.now(),
            )
        else:
            order.approval_status = ApprovalStatus.NOT_REQUIRED
            order.approval_requested_at = None
            await order.save(
                update_fields=["approval_status", "approval_requested_at", "updated_at"]
            )
            await _tell_courier(order, clock.now())
        await _emit(order, actor)
    return order


def _shown_ref(order_id: int, address: ChatAddress) -> str:
    return f"{order_id}@{address.channel.value}:{address.external_id}"


async def remember_shown(
    *, order_id: int, photo_id: int, address: ChatAddress, message_ref: str
) -> list[str]:
    """Record that approval photo `photo_id` was shown in `address` as `message_ref`;
    returns the message refs of the order's earlier approval photos in that chat (their
    buttons are stale now), each returned once."""
    order = await Order.get(id=order_id)
    ref = _shown_ref(order_id, address)
    async with in_transaction():
        earlier = (
            await Notification.filter(shop_id=order.shop_id, kind=SHOWN_KIND, ref=ref)  # type: ignore[attr-defined]
            .exclude(period=message_ref)
            .select_for_update()
        )
        stale = [row.period for row in earlier if not row.payload.get("closed")]
        for row in earlier:
            if not row.payload.get("closed"):
                row.payload = {**row.payload, "closed": True}
                await row.save(update_fields=["payload", "updated_at"])
        await Notification.update_or_create(
            shop_id=order.shop_id,  # type: ignore[attr-defined]
            kind=SHOWN_KIND,
            ref=ref,
            period=message_ref[:32],
            defaults={"payload": {"photo_id": photo_id}},
        )
    return stale


async def shown_photo(*, order_id: int, address: ChatAddress, message_ref: str) -> int | None:
    """The approval photo shown as `message_ref` in `address`; None when not recorded."""
    row = await Notification.filter(
        kind=SHOWN_KIND, ref=_shown_ref(order_id, address), period=message_ref[:32]
    ).first()
    if row is None or row.payload.get("photo_id") is None:
        return None
    return int(row.payload["photo_id"])


async def _pending_for_customer(
    *, order_id: int, address: ChatAddress, photo_id: int | None = None
) -> Order:
    order = await Order.filter(id=order_id).select_for_update().first()
    if order is None:
        raise Forbidden("This is not your order")
    customer = await customer_by_address(
        shop_id=order.shop_id,  # type: ignore[attr-defined]
        address=address,
    )
    if customer is None or customer.id != order.customer_id:  # type: ignore[attr-defined]
        raise Forbidden("This is not your order")
    if order.approval_status is not ApprovalStatus.PENDING:
        raise Conflict("This bouquet has already been answered")
    if photo_id is not None:
        latest = await latest_photo(order_id=order.id, kind=PhotoKind.ASSEMBLED)
        if latest is not None and latest.id != photo_id:
            raise OutdatedPhoto("A newer photo of this bouquet was sent")
    return order


async def check_current(*, order_id: int, address: ChatAddress, photo_id: int | None) -> Order:
    """The order whose bouquet the customer may answer now (see `approve` for errors)."""
    return await _pending_for_customer(order_id=order_id, address=address, photo_id=photo_id)


CUSTOMER = Actor(user_id=None, label="customer")


async def approve(
    *,
    order_id: int,
    address: ChatAddress,
    photo_id: int | None = None,
    clock: Clock | None = None,
) -> Order:
    """The customer approves the bouquet: `approved`, and it is released to the courier.

    Outcomes: Forbidden when the order is not the customer's of this chat; Conflict when the
    bouquet is not waiting for an answer (answered already, or back in production);
    OutdatedPhoto when `photo_id` (the photo pressed on) is not the order's newest.
    """
    clock = clock or SystemClock()
    async with in_transaction():
        order = await _pending_for_customer(order_id=order_id, address=address, photo_id=photo_id)
        order.approval_status = ApprovalStatus.APPROVED
        await order.save(update_fields=["approval_status", "updated_at"])
        await _tell_courier(order, clock.now())
        await _emit(order, CUSTOMER)
    return order


async def request_change(
    *,
    order_id: int,
    address: ChatAddress,
    comment: str,
    photo_id: int | None = None,
    clock: Clock | None = None,
) -> Order:
    """The customer asks for a change: the order goes back to `in_production`, and the
    florists (or, when none is assigned, the staff chat) are told why.

    Outcomes as for `approve`; an empty comment is a BadRequest.
    """
    comment = (comment or "").strip()
    if not comment:
        raise BadRequest("Tell us what to change")
    clock = clock or SystemClock()
    async with in_transaction():
        order = await _pending_for_customer(order_id=order_id, address=address, photo_id=photo_id)
        actor = CUSTOMER
        order.approval_status = ApprovalStatus.CHANGE_REQUESTED
        order.approval_comment = comment[:2000]
        await order.save(update_fields=["approval_status", "approval_comment", "updated_at"])
        order = await change_status(
            shop_id=order.shop_id,  # type: ignore[attr-defined]
            order_id=order.id,
            to=OrderStatus.IN_PRODUCTION,
            actor=actor,
            comment=comment[:2000],
            clock=clock,
        )
        chats: list[tuple[int, str]] = [
            (florist.telegram_chat_id, florist.language)
            for florist in await order.florists.all()
            if florist.telegram_chat_id is not None
        ]
        if not chats:
            shop = await Shop.get(id=order.shop_id)  # type: ignore[attr-defined]
            if shop.staff_chat_id is not None:
                chats.append((shop.staff_chat_id, shop.locale))
        for chat_id, language in chats:
            await send_chat_message(
                chat_id=chat_id,
                text=CHANGE_REQUESTED_FOR_FLORIST,
                params={"number": order.number, "comment": order.approval_comment},
                language=language,
                shop_id=order.shop_id,  # type: ignore[attr-defined]
                event_type="approval_change_requested",
                order_id=order.id,
                now=clock.now(),
            )
        await _emit(order, actor)
    return order


def _window_requires(order: Order, now: datetime, timeout: timedelta) -> bool:
    """Waiting longer would put the delivery window at risk (or there is no window)."""
    start = order.delivery_from or order.delivery_to
    return start is None or start <= now + timeout


async def auto_approve_due(now: datetime) -> list[int]:
    """Release bouquets nobody answered in time; returns the ids of the orders released.

    An order is released when its shop's timeout has passed since the photo was sent
    and its delivery window starts within another timeout (or has no window): an order
    for a later day keeps waiting for its customer. Running it twice does no harm.
    """
    released: list[int] = []
    pending = await Order.filter(
        approval_status=ApprovalStatus.PENDING, approval_requested_at__lte=now
    ).values_list("id", "shop_id")
    configs: dict[int, ApprovalConfig] = {}
    for order_id, shop_id in pending:
        if shop_id not in configs:
            configs[shop_id] = approval_config(await Shop.get(id=shop_id))
        timeout = timedelta(minutes=configs[shop_id].timeout_minutes)
        async with in_transaction():
            order = await Order.filter(id=order_id).select_for_update().first()
            if order is None or order.approval_status is not ApprovalStatus.PENDING:
                continue
            requested = order.approval_requested_at
            if requested is None or requested + timeout > now:
                continue
            if not _window_requires(order, now, timeout):
                continue
            order.approval_status = ApprovalStatus.AUTO_APPROVED
            await order.save(update_fields=["approval_status", "updated_at"])
            reachable = await _reachable_customer(order)
            if reachable is not None:
                customer, addresses = reachable
                await tell(
                    addresses,
                    OutgoingMessage(
                        text=AUTO_APPROVED_FOR_CUSTOMER,
                        params={"number": order.number},
                        language=customer.language or order.language,
                        order_id=order.id,
                    ),
                    shop_id=shop_id,
                    event_type="approval_auto",
                    now=now,
                )
            await _tell_courier(order, now)
            await _emit(order, SYSTEM)
            released.append(order.id)
    return released
