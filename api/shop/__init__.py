"""The `shop` contract (seed 000, "Cvety.kz" API) on API_PORT under /api.

Modules register their endpoints on `contract` when imported below.
"""

from __future__ import annotations

from api.routing import Contract

contract = Contract(
    "shop",
    title="Cvety.kz flower shop API",
    version="1.0.0",
    description="Flower shop management: orders, catalog, customers, warehouse, production, tracking.",
    mount="/api",
)

# Importing the modules registers their endpoints on `contract`.
from api.shop import (  # noqa: E402
    auth,
    customers,
    orders,
    production,
    products,
    reminders,
    tracking,
    warehouse,
    webhooks,
)

__all__ = [
    "auth",
    "contract",
    "customers",
    "orders",
    "production",
    "products",
    "reminders",
    "tracking",
    "warehouse",
    "webhooks",
]
