"""The canonical order status machine: every allowed move and a sample of forbidden ones."""

from __future__ import annotations

import pytest

from core.orders.status import (
    CLOSED,
    InvalidTransition,
    OrderStatus,
    allowed_next,
    check_transition,
)

S = OrderStatus

ALLOWED = {
    S.NEW: {S.PAID, S.IN_PRODUCTION, S.CANCELLED, S.ISSUE},
    S.PAID: {S.IN_PRODUCTION, S.ASSEMBLED, S.CANCELLED, S.ISSUE},
    S.IN_PRODUCTION: {S.ASSEMBLED, S.CANCELLED, S.ISSUE},
    S.ASSEMBLED: {S.IN_DELIVERY, S.AWAITING_PICKUP, S.IN_PRODUCTION, S.CANCELLED, S.ISSUE},
    S.IN_DELIVERY: {S.DELIVERED, S.CANCELLED, S.ISSUE},
    S.AWAITING_PICKUP: {S.DELIVERED, S.CANCELLED, S.ISSUE},
    S.DELIVERED: {S.COMPLETED, S.ISSUE},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}


@pytest.mark.parametrize(
    ("current", "target"),
    [(current, target) for current, targets in ALLOWED.items() for target in sorted(targets)],
)
def test_every_allowed_transition_passes(current: OrderStatus, target: OrderStatus) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c in ALLOWED for t in OrderStatus if t not in ALLOWED[c] and c is not S.ISSUE],
)
def test_every_other_transition_is_refused_with_the_allowed_list(
    current: OrderStatus, target: OrderStatus
) -> None:
    with pytest.raises(InvalidTransition) as raised:
        check_transition(current, target)
    assert set(raised.value.allowed) == ALLOWED[current]
    for status in ALLOWED[current]:
        assert status.value in raised.value.detail


def test_closed_orders_go_nowhere() -> None:
    for status in CLOSED:
        assert allowed_next(status) == []
    with pytest.raises(InvalidTransition, match="closed"):
        check_transition(S.COMPLETED, S.ISSUE)


def test_issue_resolves_back_to_the_status_before_it() -> None:
    check_transition(S.ISSUE, S.IN_DELIVERY, before_issue=S.IN_DELIVERY)
    check_transition(S.ISSUE, S.DELIVERED, before_issue=S.IN_DELIVERY)
    check_transition(S.ISSUE, S.CANCELLED, before_issue=S.PAID)
    with pytest.raises(InvalidTransition):
        check_transition(S.ISSUE, S.COMPLETED, before_issue=S.PAID)
    with pytest.raises(InvalidTransition):
        check_transition(S.ISSUE, S.ISSUE, before_issue=S.PAID)
