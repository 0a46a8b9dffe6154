"""The `consult` contract (seed 003, the consultations API of service firms) on
CONSULT_PORT under /api, plus the house's /api/health, /docs and /openapi.json.

A service firm is a shop; a client is a customer of the shop with an organisation
profile (`client_id` is the customer's public UUID); a consultation is a core
Consultation (core.consultations), synced to the firm's Chatwoot and 1C through the
outbox.

Decisions where the document is vague or open:

- Auth: the document accepts any token ("validation is not implemented yet"); here
  every endpoint needs `Authorization: Bearer <shop API key (sk_...) or user JWT>`, or
  when OIDC_ISSUER/OIDC_JWKS_URL/OIDC_AUDIENCE/OIDC_SHOP are set an access token of the
  firm's own OpenID Connect sign-in (verified against the issuer's JWKS: core.auth.oidc;
  it acts as a manager of OIDC_SHOP), and answers 401 `{"detail": ...}` otherwise. The shop behind the token is
  the firm; another firm's ids answer 404 like missing ones.
- Creates answer 200 (as documented) and take an optional `Idempotency-Key`; without one
  they are idempotent anyway: the client upsert finds the same client, and the same
  question with the same schedule within ten minutes is the same consultation (the
  same answer, the same `cons_id`).
- Errors: `{"detail": "..."}`: 400 "Client data or client_id is required" (no client,
  or a new client with neither email nor phone), 404 "Client not found" (also for a
  `client_id` that is no UUID, such as the document's placeholders), 404
  "Consultation not found", 409 when the data sent belongs to another client; 422 in
  the `{"detail": [{"loc", "msg", "type"}]}` shape for a body that does not parse (no
  `consultation.comment`, a `lang` other than ru/uz, a bad phone).
- `cons_id` is never null: Chatwoot's conversation id once Chatwoot has answered, our
  own UUID for the consultation before (and that one keeps finding it). `cl_ref_key`
  and `number` of a consultation are 1C's, null until 1C answers. Every documented
  field is present, null where unknown; times are ISO 8601 in UTC (`...Z`); a time
  sent without an offset is taken as UTC.
- Chatwoot calls back at `POST /api/chatwoot/webhook/{integration_id}` (signed with the
  webhook's secret, see api.consult.chatwoot): resolving the conversation closes the
  consultation, an agent opening it makes it pending.
- The firm's Chatwoot and 1C settings are `GET /api/connections`, `PUT
  /api/connections/chatwoot|onec` and `DELETE /api/connections/{provider}` (owner or
  admin; secrets sealed, masked in answers: api.consult.connections), or
  `sauda consult connect`.
- Phones are normalised to E.164 (`+998901234567`; a number without `+` is read as
  Uzbek for a Tashkent firm, Kazakh otherwise); emails are case-folded.
"""

from __future__ import annotations

from api.routing import Contract

contract = Contract(
    "consult",
    title="Consultations API",
    version="1.0.0",
    description="API консультаций: клиенты, консультации и тикеты (Chatwoot, 1C:ЦЛ)",
    mount="/api",
    exclude_none=False,
    accepts_oidc=True,
)

# Importing the modules registers their endpoints on `contract`.
from api.consult import chatwoot, connections, endpoints  # noqa: E402

__all__ = ["chatwoot", "connections", "contract", "endpoints"]
