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
