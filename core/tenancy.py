"""Tenant scoping: every business row belongs to a shop, and every read goes through it.

A row of another shop answers exactly like a missing one (NotFound -> 404), so ids
never tell an outsider what exists.
"""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.errors import NotFound

M = TypeVar("M", bound=Model)
MAX_ID = 2**31 - 1

_NAMES = {
    "Order": "Order",
    "Customer": "Customer",
    "Product": "Product",
    "StockItem": "Inventory item",
    "Task": "Task",
}


def display_name(model: type[Model]) -> str:
    return _NAMES.get(model.__name__, model.__name__)


def scoped(model: type[M], shop_id: int) -> QuerySet[M]:
    """All rows of `model` that belong to the shop."""
    return model.filter(shop_id=shop_id)


def is_row_id(value: Any) -> bool:
    """An integer a row id can be (a key column is 32-bit): anything else names no row,
    and must not reach the database, which would refuse it with an error."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


async def get_owned(
    model: type[M], *, shop_id: int, id: Any, for_update: bool = False, what: str | None = None
) -> M:
    """The shop's row with this id, or NotFound (also for another shop's row)."""
    try:
        key = int(id)
    except (TypeError, ValueError):
        raise NotFound(what or display_name(model)) from None
    if not is_row_id(key):
        # Beyond the integer column: no such row, and no database error either.
        raise NotFound(what or display_name(model))
    query = model.filter(shop_id=shop_id, id=key)
    if for_update:
        query = query.select_for_update()
    row = await query.first()
    if row is None:
        raise NotFound(what or display_name(model))
    return row
