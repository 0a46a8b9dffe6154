"""An integrator walks every endpoint of the consult document over real HTTP on the
consult port, sending the document's own request bodies (the cURL and JavaScript
examples character for character), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from aiohttp.test_utils import TestClient

from core.auth.apikeys import create_api_key
from core.models import Consultation, Customer, OrganisationProfile, OutboxEvent
from tests.api.consult.conftest import Firm, call
from tests.factories import make_shop

# The document's full request body of POST /api/consultations/create, as written.
DOCUMENT_CREATE = """{
  "client": {
    "email": "user@example.com",
    "phone_number": "+998901234567",
    "country": "UZ",
    "region": "Tashkent",
    "city": "Tashkent",
    "org_inn": "123456789",
    "org_id": "org-123",
    "subs_id": "SUB-123",
    "subs_start": "2025-01-01T00:00:00Z",
    "subs_end": "2025-12-31T23:59:59Z",
    "tariff_id": "PRO",
    "tariffperiod_id": "MONTHLY",
    "cl_ref_key": "uuid-from-1c",
    "client_id_hash": "optional-hash-for-existing-client",
    "client_id": "optional-uuid-of-existing-client"
  },
  "consultation": {
    "client_id": "optional-if-client-already-exists",
    "cl_ref_key": "optional-ref-key-from-1c",
    "org_inn": "123456789",
    "lang": "ru",
    "comment": "Нужна консультация по НДС",
    "topic": "Бухгалтерия",
    "online_question_cat": "uuid-category-key",
    "online_question": "uuid-question-key",
    "importance": 2,
    "scheduled_at": "2025-12-01T10:00:00Z"
  },
  "source": "SITE"
}"""

# The cURL example's -d body, as written.
DOCUMENT_CURL = """{
    "client": {
      "email": "user@example.com",
      "phone_number": "+998901234567",
      "org_inn": "123456789"
    },
    "consultation": {
      "comment": "Нужна консультация по НДС",
      "lang": "ru"
    },
    "source": "SITE"
  }"""

DOCUMENT_SIMPLE = """{
  "client_id": "client-uuid",
  "org_inn": "123456789",
  "lang": "ru",
  "comment": "Нужна консультация по НДС",
  "topic": "Бухгалтерия",
  "online_question_cat": "uuid-category-key",
  "online_question": "uuid-question-key",
  "importance": 2,
  "scheduled_at": "2025-12-01T10:00:00Z"
}"""

DOCUMENT_CLIENT = """{
  "email": "user@example.com",
  "phone_number": "+998901234567",
  "country": "UZ",
  "region": "Tashkent",
  "city": "Tashkent",
  "org_inn": "123456789",
  "org_id": "org-123",
  "subs_id": "SUB-123",
  "subs_start": "2025-01-01T00:00:00Z",
  "subs_end": "2025-12-31T23:59:59Z",
  "tariff_id": "PRO",
  "tariffperiod_id": "MONTHLY",
  "cl_ref_key": "uuid-from-1c",
  "client_id_hash": "optional-hash",
  "client_id": "optional-uuid"
}"""

CLIENT_FIELDS = {
    "client_id", "email", "phone_number", "country", "region", "city", "org_inn", "org_id",
    "subs_id", "subs_start", "subs_end", "tariff_id", "tariffperiod_id", "cl_ref_key",
    "created_at", "updated_at",
}  # fmt: skip
CONSULTATION_FIELDS = {
    "cons_id", "cl_ref_key", "client_id", "number", "status", "org_inn", "create_date",
    "start_date", "end_date", "lang", "comment", "online_question_cat", "online_question",
    "created_at", "updated_at",
}  # fmt: skip
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

DOCUMENTED = {
    ("post", "/api/consultations/create"),
    ("post", "/api/consultations/simple"),
    ("post", "/api/clients"),
    ("get", "/api/clients/{client_id}"),
    ("get", "/api/clients/by-hash/{client_hash}"),
    ("get", "/api/tickets/{cons_id}"),
    ("get", "/api/tickets/clients/{client_id}/tickets"),
}


def _placeholders_filled(document: str, **values: str) -> str:
    """The document's body with its placeholder ids replaced by real ones."""
    for placeholder, value in values.items():
        document = document.replace(f'"{placeholder}"', json.dumps(value))
    return document


async def test_an_integrator_walks_every_endpoint_of_the_document(
    consult: TestClient, firm: Firm
) -> None:
    h = firm.headers

    # The cURL example: a new client, created with the consultation.
    created = await call(consult, "POST", "/api/consultations/create", h, raw=DOCUMENT_CURL)
    assert set(created) == {"consultation", "client_id", "message"}
    assert created["message"] == "Consultation created successfully"
    consultation = created["consultation"]
    assert set(consultation) >= CONSULTATION_FIELDS
    client_id = created["client_id"]
    assert uuid.UUID(client_id) and consultation["client_id"] == client_id
    # Until Chatwoot answers, cons_id is our own id; 1C's fields are null.
    assert uuid.UUID(consultation["cons_id"])
    assert consultation["cl_ref_key"] is None and consultation["number"] is None
    assert consultation["status"] == "new"
    assert consultation["lang"] == "ru"
    assert consultation["org_inn"] == "123456789"
    assert consultation["comment"] == "Нужна консультация по НДС"
    assert consultation["start_date"] is None and consultation["end_date"] is None
    for name in ("create_date", "created_at", "updated_at"):
        assert ISO_WITH_OFFSET.match(consultation[name]), consultation[name]

    # The JavaScript example: the same body built by JSON.stringify; repeating it is the
    # same consultation and the same client.
    again = await call(
        consult,
        "POST",
        "/api/consultations/create",
        h,
        {
            "client": {
                "email": "user@example.com",
                "phone_number": "+998901234567",
                "org_inn": "123456789",
            },
            "consultation": {"comment": "Нужна консультация по НДС", "lang": "ru"},
            "source": "SITE",
        },
    )
    assert again["client_id"] == client_id
    assert again["consultation"]["cons_id"] == consultation["cons_id"]

    # The full body, its placeholder ids replaced by the client's real id; the same
    # person (email + phone) gets the organisation details written.
    full = await call(
        consult,
        "POST",
        "/api/consultations/create",
        h,
        raw=_placeholders_filled(
            DOCUMENT_CREATE,
            **{
                "optional-uuid-of-existing-client": client_id,
                "optional-if-client-already-exists": client_id,
            },
        ),
    )
    assert full["client_id"] == client_id
    second = full["consultation"]
    assert second["cons_id"] != consultation["cons_id"]
    assert second["start_date"] == "2025-12-01T10:00:00Z"
    assert second["online_question_cat"] == "uuid-category-key"
    assert second["online_question"] == "uuid-question-key"

    # Clients: read by id, by hash; upsert with the document's body.
    client = await call(consult, "GET", f"/api/clients/{client_id}", h)
    assert set(client) == CLIENT_FIELDS
    assert client == {
        **client,
        "email": "user@example.com",
        "phone_number": "+998901234567",
        "country": "UZ",
        "region": "Tashkent",
        "city": "Tashkent",
        "org_inn": "123456789",
        "org_id": "org-123",
        "subs_id": "SUB-123",
        "subs_start": "2025-01-01T00:00:00Z",
        "subs_end": "2025-12-31T23:59:59Z",
        "tariff_id": "PRO",
        "tariffperiod_id": "MONTHLY",
        "cl_ref_key": "uuid-from-1c",
    }
    by_hash = await call(
        consult, "GET", "/api/clients/by-hash/optional-hash-for-existing-client", h
    )
    assert by_hash == client

    upserted = await call(
        consult,
        "POST",
        "/api/clients",
        h,
        raw=_placeholders_filled(DOCUMENT_CLIENT, **{"optional-uuid": client_id}),
    )
    assert upserted["client_id"] == client_id
    assert set(upserted) == CLIENT_FIELDS
    # The document's body as written: its client_id names no client.
    missing = await call(consult, "POST", "/api/clients", h, raw=DOCUMENT_CLIENT, expect=404)
    assert missing == {"detail": "Client not found"}
    # Without client_id, the email + phone + INN find the same client.
    found = await call(
        consult,
        "POST",
        "/api/clients",
        h,
        {"email": "USER@example.com ", "phone_number": "+998 90 123 45 67", "org_inn": "123456789"},
    )
    assert found["client_id"] == client_id

    # A new client, with the document's body but no ids: created.
    newcomer = await call(
        consult,
        "POST",
        "/api/clients",
        h,
        {**json.loads(DOCUMENT_CLIENT), "client_id": None, "client_id_hash": "other-hash",
         "email": "other@example.com", "phone_number": "+998 91 765 43 21"},
    )  # fmt: skip
    assert newcomer["client_id"] != client_id
    assert newcomer["phone_number"] == "+998917654321"

    # The simple create, the document's body with the client's id.
    simple = await call(
        consult,
        "POST",
        "/api/consultations/simple",
        h,
        raw=_placeholders_filled(DOCUMENT_SIMPLE, **{"client-uuid": newcomer["client_id"]}),
    )
    assert simple["client_id"] == newcomer["client_id"]
    assert simple["consultation"]["topic"] == "Бухгалтерия"
    missing = await call(
        consult, "POST", "/api/consultations/simple", h, raw=DOCUMENT_SIMPLE, expect=404
    )
    assert missing == {"detail": "Client not found"}

    # Tickets: one by cons_id, a client's list with skip/limit.
    ticket = await call(consult, "GET", f"/api/tickets/{consultation['cons_id']}", h)
    assert set(ticket) >= CONSULTATION_FIELDS
    assert ticket["cons_id"] == consultation["cons_id"] and ticket["end_date"] is None
    listed = await call(consult, "GET", f"/api/tickets/clients/{client_id}/tickets", h)
    assert listed["total"] == 2
    assert [t["cons_id"] for t in listed["tickets"]] == [second["cons_id"], consultation["cons_id"]]
    assert set(listed["tickets"][0]) == {"cons_id", "number", "status", "comment", "created_at"}
    page = await call(consult, "GET", f"/api/tickets/clients/{client_id}/tickets?skip=1&limit=1", h)
    assert page["total"] == 2 and [t["cons_id"] for t in page["tickets"]] == [
        consultation["cons_id"]
    ]
    await call(
        consult, "GET", f"/api/tickets/clients/{client_id}/tickets?limit=1001", h, expect=422
    )
    missing = await call(consult, "GET", f"/api/tickets/{uuid.uuid4()}", h, expect=404)
    assert missing == {"detail": "Consultation not found"}

    # Each consultation was written with its two sync rows; one client per person.
    assert await Customer.filter(shop_id=firm.shop.id).count() == 2
    assert await OrganisationProfile.filter(shop_id=firm.shop.id).count() == 2
    assert await Consultation.filter(shop_id=firm.shop.id).count() == 3
    topics = sorted(await OutboxEvent.filter(shop_id=firm.shop.id).values_list("topic", flat=True))
    assert topics == ["chatwoot"] * 3 + ["onec"] * 3


async def test_bad_requests_answer_in_the_document_s_words_and_write_nothing(
    consult: TestClient, firm: Firm
) -> None:
    h = firm.headers
    for body in (
        {"consultation": {"comment": "Вопрос"}},
        {"client": {}, "consultation": {"comment": "Вопрос"}},
        {"client": {"org_inn": "123456789"}, "consultation": {"comment": "Вопрос"}},
    ):
        answer = await call(consult, "POST", "/api/consultations/create", h, body, expect=400)
        assert answer == {"detail": "Client data or client_id is required"}
    answer = await call(
        consult, "POST", "/api/consultations/simple", h, {"comment": "Вопрос"}, expect=400
    )
    assert answer == {"detail": "Client data or client_id is required"}
    for body, loc in (
        ({"client": {"email": "a@b.uz"}, "consultation": {}}, ["body", "consultation", "comment"]),
        (
            {"client": {"email": "a@b.uz"}, "consultation": {"comment": "Q", "lang": "kk"}},
            ["body", "consultation", "lang"],
        ),
        ({"client": {"phone_number": "12"}, "consultation": {"comment": "Q"}}, ["body", "phone_number"]),
    ):  # fmt: skip
        answer = await call(consult, "POST", "/api/consultations/create", h, body, expect=422)
        assert answer["detail"][0]["loc"] == loc, answer
    missing = await call(consult, "GET", "/api/clients/not-a-uuid", h, expect=404)
    assert missing == {"detail": "Client not found"}
    missing = await call(consult, "GET", "/api/clients/by-hash/nothing", h, expect=404)
    assert missing == {"detail": "Client not found"}
    assert await Customer.filter(shop_id=firm.shop.id).count() == 0
    assert await Consultation.all().count() == 0
    assert await OutboxEvent.all().count() == 0


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_every_endpoint_needs_a_token_of_the_firm(consult: TestClient, firm: Firm) -> None:
    for method, path in sorted(DOCUMENTED):
        concrete = path.format(client_id=uuid.uuid4(), client_hash="h", cons_id="1")
        for headers in ({}, {"Authorization": "Bearer YOUR_TOKEN"}):
            response = await consult.request(method, concrete, json={}, headers=headers)
            assert response.status == 401, (method, path, response.status)
            assert set(await response.json()) == {"detail"}


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
async def test_health_docs_and_openapi_are_served_on_the_consult_port(
    consult: TestClient,
) -> None:
    health = await call(consult, "GET", "/api/health", {})
    assert health["status"] == "ok"
    docs = await consult.get("/docs")
    assert docs.status == 200 and "swagger" in (await docs.text()).lower()
    document = await call(consult, "GET", "/openapi.json", {})
    served = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert served >= DOCUMENTED
    schemas = document["components"]["schemas"]
    assert set(schemas["ConsultationOut"]["properties"]) >= CONSULTATION_FIELDS
    assert set(schemas["ClientOut"]["properties"]) >= CLIENT_FIELDS


async def test_another_firm_s_clients_and_tickets_are_not_found(
    consult: TestClient, firm: Firm
) -> None:
    created = await call(
        consult, "POST", "/api/consultations/create", firm.headers, raw=DOCUMENT_CURL
    )
    other = await make_shop("Другая фирма", timezone="Asia/Tashkent")
    _, key = await create_api_key(shop_id=other.id, name="site")
    h = {"Authorization": f"Bearer {key}"}
    await call(consult, "GET", f"/api/clients/{created['client_id']}", h, expect=404)
    await call(consult, "GET", f"/api/tickets/{created['consultation']['cons_id']}", h, expect=404)
    await call(
        consult, "GET", f"/api/tickets/clients/{created['client_id']}/tickets", h, expect=404
    )
