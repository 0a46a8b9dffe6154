"""The canonical order status machine (DESIGN.md §3). Every contract and channel goes
through `check_transition`; dialects map their own words onto these statuses.

    new ─► paid ─► in_production ─► assembled ─► in_delivery ─────► delivered ─► completed
     │       └──────────────────────►  │   ▲   └► awaiting_pickup ─┘
     └─► in_production                 └───┘ (a change request sends it back to production)

    cancelled: from any open status.  issue: from any open status, and resolvable back to
    the status the order had before it (or cancelled).
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import BadRequest


class OrderStatus(StrEnum):
    NEW = "new"
    PAID = "paid"
    IN_PRODUCTION = "in_production"
    ASSEMBLED = "assembled"
    IN_DELIVERY = "in_delivery"
    AWAITING_PICKUP = "awaiting_pickup"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ISSUE = "issue"


S = OrderStatus

# The named sets of statuses, defined here once.
CLOSED: frozenset[OrderStatus] = frozenset({S.COMPLETED, S.CANCELLED})
OPEN: frozenset[OrderStatus] = frozenset(OrderStatus) - CLOSED
# Orders that still need their flowers (stock is taken when they are assembled).
BEFORE_ASSEMBLY: frozenset[OrderStatus] = frozenset({S.NEW, S.PAID, S.IN_PRODUCTION})
# Orders whose delivery is behind them (or will never happen).
HANDED_OVER_OR_CLOSED: frozenset[OrderStatus] = CLOSED | {S.DELIVERED}
# Moves that send the order out of the shop (to the courier or the pickup counter).
LEAVING_THE_SHOP: frozenset[OrderStatus] = frozenset({S.IN_DELIVERY, S.AWAITING_PICKUP})

# Forward moves; `issue` and `cancelled` are added for every open status below.
_FORWARD: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.NEW: frozenset({S.PAID, S.IN_PRODUCTION}),
    S.PAID: frozenset({S.IN_PRODUCTION, S.ASSEMBLED}),
    S.IN_PRODUCTION: frozenset({S.ASSEMBLED}),
    S.ASSEMBLED: frozenset({S.IN_DELIVERY, S.AWAITING_PICKUP, S.IN_PRODUCTION}),
    S.IN_DELIVERY: frozenset({S.DELIVERED}),
    S.AWAITING_PICKUP: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.ISSUE: frozenset(),
}

# Statuses in which an order has been paid for (for revenue and "paid" questions).
PAID_STATUSES: frozenset[OrderStatus] = frozenset(
    {
        S.PAID,
        S.IN_PRODUCTION,
        S.ASSEMBLED,
        S.IN_DELIVERY,
        S.AWAITING_PICKUP,
        S.DELIVERED,
        S.COMPLETED,
    }
)


def allowed_next(
    current: OrderStatus, *, before_issue: OrderStatus | None = None
) -> list[OrderStatus]:
    """The statuses an order in `current` may move to, in a stable order."""
    if current in CLOSED:
        return []
    if current is S.ISSUE:
        targets = {S.CANCELLED}
        if before_issue is not None and before_issue not in CLOSED and before_issue is not S.ISSUE:
            targets.add(before_issue)
            targets |= _FORWARD[before_issue]
        return [s for s in OrderStatus if s in targets]
    targets = set(_FORWARD[current]) | {S.ISSUE, S.CANCELLED}
    if current is S.DELIVERED:
        targets.discard(S.CANCELLED)
    return [s for s in OrderStatus if s in targets]


class InvalidTransition(BadRequest):
    """The machine forbids this move; `allowed` lists what it would take."""

    def __init__(
        self, current: OrderStatus, target: OrderStatus, allowed: list[OrderStatus]
    ) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed
        listed = ", ".join(allowed) if allowed else "none (the order is closed)"
        super().__init__(
            f"Cannot change status from '{current}' to '{target}'. Allowed next statuses: {listed}"
        )


def check_transition(
    current: OrderStatus, target: OrderStatus, *, before_issue: OrderStatus | None = None
) -> None:
    """Raise InvalidTransition unless `current -> target` is allowed."""
    allowed = allowed_next(current, before_issue=before_issue)
    if target not in allowed:
        raise InvalidTransition(current, target, allowed)
