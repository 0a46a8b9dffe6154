"""The role table: who may make which move on an order."""

from __future__ import annotations

import pytest

from core.models import Role
from core.orders.status import OrderStatus as S
from core.permissions import Action, RoleForbidden, check, check_move, may, may_move


@pytest.mark.parametrize(
    ("role", "to", "allowed"),
    [
        (Role.CASHIER, S.PAID, True),
        (Role.COURIER, S.PAID, False),
        (Role.FLORIST, S.PAID, False),
        (Role.FLORIST, S.IN_PRODUCTION, True),
        (Role.FLORIST, S.ASSEMBLED, True),
        (Role.COURIER, S.ASSEMBLED, False),
        (Role.COURIER, S.IN_DELIVERY, True),
        (Role.FLORIST, S.IN_DELIVERY, False),
        (Role.COURIER, S.DELIVERED, True),
        (Role.FLORIST, S.CANCELLED, False),
        (Role.MANAGER, S.CANCELLED, True),
        (Role.COURIER, S.ISSUE, True),
    ],
)
def test_each_role_makes_only_its_moves(role: Role, to: S, allowed: bool) -> None:
    assert may_move({role}, to=to, from_status=S.NEW) is allowed


def test_any_of_several_roles_is_enough() -> None:
    assert may_move({Role.COURIER, Role.CASHIER}, to=S.PAID, from_status=S.NEW)


def test_leaving_an_issue_is_resolving_it() -> None:
    assert not may_move({Role.FLORIST}, to=S.IN_PRODUCTION, from_status=S.ISSUE)
    assert may_move({Role.MANAGER}, to=S.IN_PRODUCTION, from_status=S.ISSUE)
    with pytest.raises(RoleForbidden):
        check_move({Role.COURIER}, to=S.IN_DELIVERY, from_status=S.ISSUE)


def test_team_and_staff_chat_need_managers_and_owners() -> None:
    assert may({Role.MANAGER}, Action.ASSIGN_TEAM)
    assert not may({Role.FLORIST}, Action.ASSIGN_TEAM)
    assert may({Role.ADMIN}, Action.LINK_STAFF_CHAT)
    with pytest.raises(RoleForbidden):
        check({Role.MANAGER}, Action.LINK_STAFF_CHAT)
