"""The move rules beyond the status machine, in one place for every contract and channel.

`core.orders.status` says whether a move exists at all, `core.permissions` whether the
pressing person's role may make it. These rules say whether *this* order may make it now:

    rule                                                   error (transport word)
    approval pending  ─✗─► in_delivery | awaiting_pickup    AwaitingApproval (409)
    a courier (not a manager) moves only their own orders  NotYours (403)
      to in_delivery | awaiting_pickup | delivered
    a courier's delivered needs a delivery photo first     PhotoRequired (409)

The approval rule binds everyone (people, API keys, the system); the courier rules bind
a person acting with a courier role and no manager role. `change_status` checks them under
the order's row lock; the staff bot checks them before offering a step (preflight).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import Conflict, Forbidden
from core.models import ApprovalStatus, DeliveryMethod, Order, OrderPhoto, PhotoKind, Role
from core.orders.status import LEAVING_THE_SHOP, OrderStatus
from core.permissions import is_manager

S = OrderStatus
COURIER_MOVES = LEAVING_THE_SHOP | {S.DELIVERED}


class AwaitingApproval(Conflict):
    """The customer has not approved the bouquet yet."""


class NotYours(Forbidden):
    """The delivery is assigned to another courier."""


class PhotoRequired(Conflict):
    """A courier's delivery needs at least one delivery photo first."""


def check_released(order: Order) -> None:
    """Raise AwaitingApproval while the customer still has to answer."""
    if ApprovalStatus(order.approval_status) is ApprovalStatus.PENDING:
        raise AwaitingApproval(
            "The customer has not approved the bouquet photo yet: the order may not leave "
            "for delivery or pickup"
        )


def check_courier_owns(roles: Iterable[Role], user_id: int | None, order: Order) -> None:
    """Raise NotYours when a courier (not a manager) touches another courier's order."""
    held = set(roles)
    mine = user_id is not None and order.courier_id == user_id  # type: ignore[attr-defined]
    if not is_manager(held) and Role.COURIER in held and not mine:
        raise NotYours("This delivery is assigned to another courier")


async def has_delivery_photo(order_id: int) -> bool:
    return await OrderPhoto.filter(order_id=order_id, kind=PhotoKind.DELIVERED).exists()


async def check_order_rules(
    order: Order, *, to: OrderStatus, roles: Iterable[Role] | None, user_id: int | None
) -> None:
    """Raise the rule an order breaks by moving to `to` now; `roles` None = the system.

    Outcomes: nothing (the move may go ahead); AwaitingApproval, NotYours, PhotoRequired.
    """
    if to in LEAVING_THE_SHOP:
        check_released(order)
    if roles is None:
        return
    held = set(roles)
    if to in COURIER_MOVES:
        check_courier_owns(held, user_id, order)
    if (
        to is S.DELIVERED
        and not is_manager(held)
        and order.delivery_method == DeliveryMethod.DELIVERY
        and not await has_delivery_photo(order.id)
    ):
        raise PhotoRequired("Send a photo of the delivered order first")
