"""The consult document and the consult agree (issue 9: `make fuzz`): what it refuses
with a 422 the document's schema refuses, what the schema allows it takes, and each
method of a path the document lists is one the path has."""

from __future__ import annotations

import random
from typing import Any

import phonenumbers
from aiohttp.test_utils import TestClient

from core.phones import KZ_MOBILE_PATTERN, UZ_MOBILE_PATTERN
from tests.api.consult.conftest import Firm, call
from tests.api.crm.test_document_agrees import body_allowed

CHATWOOT = {"account_id": 3, "inbox_id": 7, "api_access_token": "cw-agent-api-token"}


async def _document(consult: TestClient) -> dict[str, Any]:
    return dict(await (await consult.get("/openapi.json")).json())


async def test_what_the_consult_refuses_in_a_body_the_document_refuses(
    consult: TestClient, firm: Firm
) -> None:
    document = await _document(consult)
    for method, path, body in [
        ("POST", "/api/clients", {"phone_number": "0" * 31}),
        ("PUT", "/api/connections/chatwoot", {**CHATWOOT, "base_url": "0" * 40}),
        ("PUT", "/api/connections/chatwoot", {**CHATWOOT, "base_url": "http://"}),
        (
            "PUT",
            "/api/connections/onec",
            {"base_url": "0" * 40, "username": "site", "password": "p"},
        ),
    ]:
        refused = await call(consult, method, path, firm.headers, body, expect=422)
        assert refused["detail"][0]["loc"][0] == "body", refused
        assert not body_allowed(document, method, path, body), (method, path, body)


async def test_a_base_url_the_document_allows_is_taken(consult: TestClient, firm: Firm) -> None:
    """fuzz: `HTTP://0?0...` matched the document's pattern, but the store wanted a
    lower-case scheme."""
    document = await _document(consult)
    body = {**CHATWOOT, "base_url": "HTTP://0?000"}
    assert body_allowed(document, "PUT", "/api/connections/chatwoot", body)
    answer = await call(consult, "PUT", "/api/connections/chatwoot", firm.headers, body)
    assert answer["base_url"] == "HTTP://0?000"


async def test_a_phone_the_document_allows_is_taken(consult: TestClient, firm: Firm) -> None:
    document = await _document(consult)
    for phone in ("+998901234567", "+998330000000", "+77011234567"):
        body = {"phone_number": phone, "email": f"{phone[1:]}@firm.uz"}
        assert body_allowed(document, "POST", "/api/clients", body)
        answer = await call(consult, "POST", "/api/clients", firm.headers, body)
        assert answer["phone_number"] == phone


def test_every_mobile_number_the_patterns_allow_is_a_valid_number() -> None:
    """The phone patterns are what `phonenumbers` calls valid, in both regions."""
    rng = random.Random(9)
    for pattern, codes in (
        (UZ_MOBILE_PATTERN, ["33", "50", "55", "77", "88", "90", "91", "93", "94", "95", "97"]),
        (KZ_MOBILE_PATTERN, ["700", "705", "707", "747", "751", "760", "771", "778", "785"]),
    ):
        prefix = "+998" if pattern == UZ_MOBILE_PATTERN else "+7"
        for code in codes:
            for rest in ["0" * 7, "9" * 7, *(f"{rng.randrange(10**7):07d}" for _ in range(50))]:
                number = prefix + code + rest
                for region in ("UZ", "KZ"):
                    parsed = phonenumbers.parse(number, region)
                    assert phonenumbers.is_valid_number(parsed), number


async def test_each_documented_path_has_the_methods_the_document_lists(
    consult: TestClient, firm: Firm
) -> None:
    """fuzz (unsupported_method): DELETE was documented as /connections/{provider}, so
    PUT /connections/chatwoot (a path of its own) looked like a method that path lacks."""
    document = await _document(consult)
    assert "/api/connections/{provider}" not in document["paths"]
    for provider in ("chatwoot", "onec"):
        methods = set(document["paths"][f"/api/connections/{provider}"])
        assert methods == {"put", "delete"}
        response = await consult.delete(f"/api/connections/{provider}", headers=firm.headers)
        assert response.status == 404  # nothing connected yet
        patch = await consult.patch(f"/api/connections/{provider}", headers=firm.headers)
        assert patch.status == 405
    unknown = await consult.delete("/api/connections/shopify", headers=firm.headers)
    assert unknown.status == 404
