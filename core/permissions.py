"""Which staff role may make which move on an order (the bot's buttons go through here).

    move                         owner admin manager florist courier cashier
    mark paid (paid)               x     x     x                        x
    start production               x     x     x       x
    assembled                      x     x     x       x
    out for delivery / pickup      x     x     x               x
    delivered                      x     x     x               x        x
    completed                      x     x     x                        x
    cancel                         x     x     x
    report an issue                x     x     x       x       x        x
    resolve an issue               x     x     x
    assign florists / courier      x     x     x
    edit the catalog               x     x     x       x

The status machine (core.orders.status) says whether a move exists at all; this table
says whether the person pressing may make it. A person may hold several roles in a shop;
any of them that allows the move is enough. A courier may only move orders assigned to
them, and a courier's delivery needs a delivery photo first.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from core.errors import Forbidden
from core.models import Role
from core.orders.status import OrderStatus

S = OrderStatus
MANAGERS = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})


class Action(StrEnum):
    """Things a staff member does to an order besides moving its status."""

    ASSIGN_TEAM = "assign_team"
    REPORT_ISSUE = "report_issue"
    RESOLVE_ISSUE = "resolve_issue"
    LINK_STAFF_CHAT = "link_staff_chat"
    EDIT_CATALOG = "edit_catalog"


MOVE_ROLES: dict[OrderStatus, frozenset[Role]] = {
    S.PAID: MANAGERS | {Role.CASHIER},
    S.IN_PRODUCTION: MANAGERS | {Role.FLORIST},
    S.ASSEMBLED: MANAGERS | {Role.FLORIST},
    S.IN_DELIVERY: MANAGERS | {Role.COURIER},
    S.AWAITING_PICKUP: MANAGERS | {Role.COURIER, Role.FLORIST},
    S.DELIVERED: MANAGERS | {Role.COURIER, Role.CASHIER},
    S.COMPLETED: MANAGERS | {Role.CASHIER},
    S.CANCELLED: MANAGERS,
    S.ISSUE: frozenset(Role),
}

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.ASSIGN_TEAM: MANAGERS,
    Action.REPORT_ISSUE: frozenset(Role),
    Action.RESOLVE_ISSUE: MANAGERS,
    Action.LINK_STAFF_CHAT: frozenset({Role.OWNER, Role.ADMIN}),
    Action.EDIT_CATALOG: MANAGERS | {Role.FLORIST},
}


class RoleForbidden(Forbidden):
    """The person's roles do not allow this; `needed` lists roles that would."""

    def __init__(self, detail: str, needed: frozenset[Role]) -> None:
        super().__init__(detail)
        self.needed = needed


def may_move(roles: Iterable[Role], *, to: OrderStatus, from_status: OrderStatus) -> bool:
    """Whether someone with `roles` may move an order from `from_status` to `to`."""
    held = set(roles)
    if from_status is S.ISSUE and to is not S.CANCELLED:
        # Leaving `issue` (other than cancelling) is resolving it.
        return bool(held & ACTION_ROLES[Action.RESOLVE_ISSUE])
    return bool(held & MOVE_ROLES.get(to, frozenset()))


def check_move(roles: Iterable[Role], *, to: OrderStatus, from_status: OrderStatus) -> None:
    """Raise RoleForbidden unless `roles` allow the move."""
    if not may_move(roles, to=to, from_status=from_status):
        needed = (
            ACTION_ROLES[Action.RESOLVE_ISSUE]
            if from_status is S.ISSUE and to is not S.CANCELLED
            else MOVE_ROLES.get(to, frozenset())
        )
        raise RoleForbidden(f"Your role may not move an order to '{to}'", needed)


def may(roles: Iterable[Role], action: Action) -> bool:
    return bool(set(roles) & ACTION_ROLES[action])


def check(roles: Iterable[Role], action: Action) -> None:
    """Raise RoleForbidden unless `roles` allow the action."""
    if not may(roles, action):
        raise RoleForbidden(
            f"Your role may not {action.value.replace('_', ' ')}", ACTION_ROLES[action]
        )


def is_manager(roles: Iterable[Role]) -> bool:
    return bool(set(roles) & MANAGERS)
