"""The shop document's response shapes, checked by every shop contract test."""

from __future__ import annotations

from typing import Any

OPTIONAL_STR = (str, type(None))

ORDER_KEYS: dict[str, Any] = {
    "id": int,
    "number": int,
    "created_at": str,
    "updated_at": str,
    "status": str,
    "customer_phone": OPTIONAL_STR,
    "recipient_phone": OPTIONAL_STR,
    "recipient_name": str,
    "address": str,
    "delivery_method": str,
    "delivery_window": dict,
    "flower_sum": int,
    "delivery_fee": int,
    "total": int,
    "tracking_token": str,
    "comment": OPTIONAL_STR,
    "card_text": OPTIONAL_STR,
    "customer": (dict, type(None)),
    "items": list,
}
ORDER_CUSTOMER_KEYS: dict[str, Any] = {
    "id": int,
    "name": str,
    "phone": str,
    "orders_count": int,
    "total_spent": int,
}
ORDER_ITEM_KEYS: dict[str, Any] = {
    "product_id": (int, type(None)),
    "product_name": str,
    "quantity": int,
    "price": int,
    "total": int,
}
PRODUCT_KEYS: dict[str, Any] = {
    "id": int,
    "name": str,
    "category": str,
    "description": OPTIONAL_STR,
    "cost_price": (int, type(None)),
    "retail_price": int,
    "sale_price": (int, type(None)),
    "is_active": bool,
    "is_popular": bool,
    "is_new": bool,
    "current_price": int,
    "discount_percentage": int,
}


def assert_shape(value: dict[str, Any], keys: dict[str, Any]) -> None:
    """Exactly these keys, each of its type."""
    assert set(value) == set(keys), sorted(set(value) ^ set(keys))
    for key, kind in keys.items():
        assert isinstance(value[key], kind), (key, value[key])
