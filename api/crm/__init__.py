"""The `crm` contract (seed 001, "CRM for Florists API" 2.1.0) on CRM_PORT under /api,
with `GET /` and `GET /health` at the port's root.

It is a dialect over the same core as the shop contract: an order placed here is the
order the shop contract, the bot and the tracking page see. Its words (statuses,
client types, categories), JSON-string lists and local times are translated in
core.dialects.crm, whose docstring records the status decisions.

Decisions where the document is vague or open:

- Auth: the document has none ("planned"); here every endpoint but `/` and `/health`
  needs `Authorization: Bearer <user JWT or shop API key (sk_...)>`. Ids of another
  shop answer 404 like missing ones.
- 200 on every success, creates included (as documented); 422 in the document's
  `{"detail": [{"loc", "msg", "type"}]}` shape; domain refusals are `{"detail": "..."}`
  with 400 (a status the machine cannot reach), 404, or 409 (a duplicate client phone,
  not enough stock to assemble, deleting what is still in use).
- PUT is partial everywhere (the document's product PUT example): only the fields sent
  change. Order PUT and PATCH take the same body; items change through /items.
- Collections answer at `/api/clients/` and `/api/clients` alike (the document writes
  both forms).
- Deletes answer `{"message": ..., "id": ...}`. An order is never erased: DELETE
  cancels it (as the shop contract's DELETE does), so its history, payments and stock
  moves stay, assembled components go back to stock, the bot and webhooks hear of it,
  and it reads "отменен" afterwards; a delivered order cannot be cancelled (400). A
  client's orders stay when the client is deleted (without the link); an inventory item
  used in a composition cannot be deleted (409).
- Orders: `date_from`/`date_to` filter on the delivery date (the shop's days,
  inclusive); lists are newest first. Item prices are the catalog's: a `price` sent
  that differs is a 422, and so is a `total_price` that differs from the items' sum (an
  order without items takes `total_price` as its amount). Items change only before the
  order is assembled (409 after). `executor_id` (deprecated) reads as the first florist
  and, written without `florist_ids`, sets the florists to that one person.
- Team bodies: `{"manager_id": 5}`, `{"florist_ids": [7, 8]}`, `{"courier_id": 9}`
  (null unassigns the manager or courier); each answers the order; GET /team answers
  the members as the document's User, `role` being the part they play.
- Phones are normalised to E.164 (`+77011234567`); florist ids read back sorted.
- Money the document types as `number` reads as its example shows (`15000.0`); prices
  written must be whole tenge. Any member of the shop (or an API key) may call every
  endpoint: the document names no per-role rules.
"""

from __future__ import annotations

from api.routing import Contract

contract = Contract(
    "crm",
    title="CRM for Florists API",
    version="2.1.0",
    description="API для системы управления цветочным бизнесом",
    mount="/api",
    exclude_none=False,
)

# Importing the modules registers their endpoints on `contract`.
from api.crm import clients, inventory, orders, products, statistics, system  # noqa: E402

__all__ = ["clients", "contract", "inventory", "orders", "products", "statistics", "system"]
