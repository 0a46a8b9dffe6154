"""The `erp` contract (seed 004, "ERP v2" multi-tenant POS) on API_PORT under /api:
/api/users/, /api/products/, /api/sales/, /api/analytics/, /api/tasks/, /api/customers/
(no path of the shop or commerce contracts), Swagger at /swagger/ and ReDoc at /redoc/.

It is a dialect over the same core: a store is a shop, a product is the catalog product
the bot sells, stock moves through core.stock's ledger (a product's goods item), a
cashier is a member with the `cashier` role, a customer is the shop's customer.

Decisions where the document is vague or open:

- Auth: `Authorization: Bearer <access>` from register or login (a shop-scoped JWT of
  the user's store); `auth/token/refresh/` takes `{"refresh"}` and answers
  `{"access", "refresh"}` (simplejwt's shape) with rotation: a used refresh token is
  refused (401) and revokes its whole login. Refresh tokens are of audience `erp`.
  Passwords are argon2 hashes; a password must have 8+ characters, a letter and a digit,
  and must not contain the username. A shop API key (`sk_...`) works on every endpoint
  but users/.
- Success envelope `{"status": "success", "message", "data"}` on the endpoints the
  document shows one for and their siblings: every users/ endpoint (register, login,
  profile), shifts and till actions of sales/ (open, current, close, report, scan-item,
  current, add-item, remove-item, checkout, cancel, refund). Resources (products,
  categories, customers, tasks, comments, templates, a sale by id) are plain objects;
  lists are DRF pages `{"count", "next", "previous", "results"}` (`page`,
  `page_size` ≤ 500); analytics answer the document's shapes as they are.
- Errors, one envelope: `{"status": "error", "code", "message", "errors": {field:
  [messages]}}`. 400 for validation (field names as sent, `payments.0.amount`) and for
  anything the rules refuse (a second open shift, payments that do not add up, cash
  received below its amount, stock short, a duplicate SKU or barcode, a status an
  action cannot start from); 401 without a valid token; 403 when the role may not
  (refunds and voids, another cashier's shift, approving tasks, giving tasks to others:
  owner, admin, manager only); 404 for what is missing or another store's; 429 with
  `retry_after` when rate-limited.
- Money is whole currency units (tenge, sum): written as numbers (`75000`) or strings
  (`"75000.00"`), a fraction is a 400; read back as `"75000.00"`. Quantities read as
  `"2.000"` (up to 3 decimals written).
- Vocabulary (one table for both contracts, core.dialects.prices): `sale_price` is the shelf
  price (core `price`; the shop contract's `sale_price` is its discount price, core
  `discount_price`); `cost_price`, `wholesale_price`, `tax_rate`, `unit` are core's.
  Task priorities `medium` = core `normal`, task status `on_review` = core `review`.
- Products: SKU and barcode unique per store (400), `search` over name/SKU/barcode.
  `stock_quantity` reads the ledger; `min_stock` is the low-stock threshold; a product
  takes `initial_stock` on create, and `POST products/{id}/adjust-stock/` `{"quantity":
  "+5"|"-2", "note"}` writes an adjustment move. DELETE of a product that was sold
  deactivates it (its sales keep their lines); otherwise deletes it.
- Sales: `scan-item/` takes `product` (id) or `barcode` (SKU works too); scanning a
  product already on the sale adds to its line. `session` is the shift id. Checkout
  may name a known `customer` (id) or `customer_phone` (found or registered); such a
  customer with a Telegram chat gets the receipt (outbox). `cancel/` drops a pending
  sale, or voids a completed one (a manager: goods back to stock, money back by its
  methods). `refund/` without a body refunds the whole sale; `{"items": [{"item_id",
  "quantity"}], "reason"}` refunds some units (the sale stays `completed` with its
  `refunded_amount` until nothing is left, then `refunded`). Money goes back cash
  first, from the giver's open shift. Opening a shift, scan-item, add-item, checkout,
  cancel and refund take an `Idempotency-Key` (a retried scan does not add twice).
- Shifts: one open per cashier and till (`till`, default "main"); closing with a sale
  still pending is a 400; the report is core.cashdesk.shifts'.
- Analytics: see core.analytics (day rules, RFM scoring and segment table, stock).
  `daily-sales/` lists the last 30 days (`start_date`/`end_date` to choose), newest
  first; ids are the date as a number (20250117). Chat orders of the shop are counted
  separately as `orders_count`/`orders_total`.
- Tasks: statuses pending, in_progress, on_review, completed, cancelled (a production
  task's `assigned` reads `pending`); see core.task_board for who may do what.
  `PATCH`/`DELETE tasks/{id}/`, `POST templates/` (a manager) complete the resources.
- Customers: `purchase-history/` lists the customer's sales and chat orders, newest
  first, each with `type` "sale" or "order".
"""

from __future__ import annotations

from api.erp.common import ERP_ERRORS
from api.routing import Contract

contract = Contract(
    "erp",
    title="ERP v2 POS API",
    version="2.0.0",
    description="Multi-tenant POS: products, cash shifts, sales, analytics, tasks, customers.",
    mount="/api",
    errors=ERP_ERRORS,
)

# Importing the modules registers their endpoints on `contract`.
from api.erp import (  # noqa: E402
    analytics,
    customers,
    docs,
    products,
    sales,
    tasks,
    users,
)

__all__ = ["analytics", "contract", "customers", "docs", "products", "sales", "tasks", "users"]
