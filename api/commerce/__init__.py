"""The `commerce` contract (seed 002, multi-store messaging) on API_PORT under /api/v1.

Decisions where the document is silent or loose (the issue's bar is the document):

- Ids are UUIDs (public ids of users, projects = shops, integrations, orders,
  messages, reports). Another user's id, a deleted row's and a made-up one are the same
  404; an id that is no UUID is a 422 at `["path", ...]`.
- Auth: `register` 201 (email unique whatever its case; 8-128 characters with a letter
  and a digit); `login` gives a user-level access token (15 minutes, `expires_in` 900)
  and an opaque refresh token (30 days); `refresh` rotates (a refresh token works once;
  presenting a spent one revokes that login's whole family, its access tokens too:
  core.auth.refresh) and answers like `login`; `logout` (204) ends the login. Every
  other endpoint needs the access token; `role` is "user".
- Projects: any IANA timezone; `currency` (KZT default; UZS, USD, EUR, RUB, GBP) and
  `language` (ru default; kk, uz, en: report summaries) are extra fields; DELETE is
  soft (204; `is_active` false, data kept, gone from the list unless
  `include_inactive=true`; PATCH `is_active: true` brings it back). Only the project's
  owner or admin may PATCH or DELETE it (403 for its other members).
- Money is exact: amounts are stored as integers in the currency's minor unit (cents;
  whole tenge and sum) and written as JSON numbers with their cents (`29.99`);
  KZT/UZS amounts are integers. `total_revenue` and `average_order_value` are in the
  project's currency.
- Order statuses are the words pending, paid, processing, shipped, fulfilled,
  cancelled, on_hold (core.commerce.orders has the table onto the canonical statuses);
  PATCH moves through every step of the status machine on the way, and a move it
  forbids is a 400. `provider` is shopify for Shopify orders, else the channel the
  order came through (telegram, whatsapp, api, ...). `days` counts back from now by
  the order date (Shopify's `created_at` for Shopify orders).
- Messages: `send` answers 201 with the message (`status` queued → sent as the
  messenger confirms) and takes an `Idempotency-Key`. `recipient.phone` must be a real
  number (the document's `+1234567890` placeholder is a 422). Outside WhatsApp's
  24-hour window a text is a 400 with code `WHATSAPP_WINDOW_CLOSED` naming the template
  to use; `content_type: "template"` sends the template named by `content`. Telegram
  needs the customer to have started the shop's bot (400 `TELEGRAM_CHAT_UNKNOWN`).
  The inbox's `days` defaults to 30; paging is `page`/`page_size` (50, at most 200)
  everywhere.
- Reports: `generate` 201; `start_date`–`end_date` both included; the payload's
  amounts are decimal strings; `GET .../{report_id}/chart.png` and `.../export.csv`.
- Webhooks: Shopify's must carry a valid `X-Shopify-Hmac-Sha256` made with the
  connected store's API secret (401 otherwise, and for a store nobody connected);
  WhatsApp's is the channel's (api.channels); Telegram's is the bot's webhook route
  (bot.runner, with its secret token), served when TELEGRAM_WEBHOOK_URL names it.
- Errors: `{"detail", "code", "timestamp"}` (codes are upper case and stable:
  NOT_FOUND, VALIDATION_ERROR, UNAUTHORIZED, ...); validation is a 422 whose `detail`
  lists `{"loc", "msg", "type"}`. Limits per user and minute: auth 5 (per address:
  nobody is signed in yet), assistant 60, everything else 100, counted in the shared
  store, with `X-RateLimit-Limit/Remaining/Reset` on every answer.
"""

from __future__ import annotations

from api.errors import CODED_DIALECT
from api.routing import Contract

contract = Contract(
    "commerce",
    title="Multi-store messaging API",
    version="1.0.0",
    description=(
        "Projects (shops), Shopify integration, synced orders, one inbox across "
        "WhatsApp and Telegram, the AI assistant, reports and inbound webhooks."
    ),
    mount="/api/v1",
    errors=CODED_DIALECT,
    per_minute="commerce_per_minute",
)

from api.commerce import (  # noqa: E402
    assistant,
    auth,
    integrations,
    messages,
    orders,
    projects,
    reports,
    webhooks,
)

__all__ = [
    "assistant",
    "auth",
    "contract",
    "integrations",
    "messages",
    "orders",
    "projects",
    "reports",
    "webhooks",
]
