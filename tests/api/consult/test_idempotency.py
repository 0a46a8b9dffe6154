"""Repeating a consult request changes nothing and creates nothing twice: the same
upsert ten times, and twenty identical creates at the same moment on PostgreSQL (each
request its own transaction on its own connection, as on several workers)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from core.models import Consultation, Customer, OrganisationProfile, OutboxEvent
from tests.api.consult.conftest import Firm, call
from tests.api.consult.test_integrator import DOCUMENT_CLIENT, DOCUMENT_CURL

CLIENT_WITHOUT_IDS = {
    "email": "user@example.com",
    "phone_number": "+998901234567",
    "country": "UZ",
    "city": "Tashkent",
    "org_inn": "123456789",
    "tariff_id": "PRO",
}


async def _counts(firm: Firm) -> tuple[int, int, int, int]:
    return (
        await Customer.filter(shop_id=firm.shop.id).count(),
        await OrganisationProfile.filter(shop_id=firm.shop.id).count(),
        await Consultation.filter(shop_id=firm.shop.id).count(),
        await OutboxEvent.filter(shop_id=firm.shop.id).count(),
    )


async def test_the_same_upsert_ten_times_leaves_one_client_unchanged(
    consult: TestClient, firm: Firm
) -> None:
    answers = [
        await call(consult, "POST", "/api/clients", firm.headers, CLIENT_WITHOUT_IDS)
        for _ in range(10)
    ]
    assert all(answer == answers[0] for answer in answers)
    by_hash = {**CLIENT_WITHOUT_IDS, "client_id_hash": "site-42"}
    hashed = [await call(consult, "POST", "/api/clients", firm.headers, by_hash) for _ in range(10)]
    assert {a["client_id"] for a in hashed} == {answers[0]["client_id"]}
    assert await _counts(firm) == (1, 1, 0, 0)

    created = [
        await call(consult, "POST", "/api/consultations/create", firm.headers, raw=DOCUMENT_CURL)
        for _ in range(10)
    ]
    assert {c["consultation"]["cons_id"] for c in created} == {
        created[0]["consultation"]["cons_id"]
    }
    assert {c["client_id"] for c in created} == {answers[0]["client_id"]}
    assert await _counts(firm) == (1, 1, 1, 2)


async def test_a_new_question_or_schedule_is_a_new_consultation_and_the_window_ends(
    consult: TestClient, firm: Firm, clock
) -> None:
    body = {"client": CLIENT_WITHOUT_IDS, "consultation": {"comment": "Вопрос по НДС"}}
    first = await call(consult, "POST", "/api/consultations/create", firm.headers, body)
    other = {**body, "consultation": {"comment": "Другой вопрос"}}
    second = await call(consult, "POST", "/api/consultations/create", firm.headers, other)
    later = {
        **body,
        "consultation": {"comment": "Вопрос по НДС", "scheduled_at": "2025-12-01T10:00:00Z"},
    }
    third = await call(consult, "POST", "/api/consultations/create", firm.headers, later)
    ids = {a["consultation"]["cons_id"] for a in (first, second, third)}
    assert len(ids) == 3
    clock.advance(minutes=11)
    fourth = await call(consult, "POST", "/api/consultations/create", firm.headers, body)
    assert fourth["consultation"]["cons_id"] not in ids
    assert await _counts(firm) == (1, 1, 4, 8)


@pytest.mark.parametrize("stack", ["real"], indirect=True)
async def test_twenty_identical_creates_at_once_leave_one_client_and_one_consultation(
    consult: TestClient, firm: Firm
) -> None:
    async def create() -> dict:
        return await call(
            consult, "POST", "/api/consultations/create", firm.headers, raw=DOCUMENT_CURL
        )

    answers = await asyncio.gather(*(create() for _ in range(20)))
    assert len({a["client_id"] for a in answers}) == 1
    assert len({a["consultation"]["cons_id"] for a in answers}) == 1
    assert await _counts(firm) == (1, 1, 1, 2)


@pytest.mark.parametrize("stack", ["real"], indirect=True)
async def test_twenty_identical_upserts_at_once_leave_one_client(
    consult: TestClient, firm: Firm
) -> None:
    email_only = {"email": "Only@Example.com", "org_inn": "987654321"}
    by_hash = {**CLIENT_WITHOUT_IDS, "phone_number": "+998 93 111 22 33", "client_id_hash": "h1"}

    async def upsert(body: dict) -> dict:
        return await call(consult, "POST", "/api/clients", firm.headers, body)

    for body in (email_only, by_hash):
        answers = await asyncio.gather(*(upsert(body) for _ in range(20)))
        assert len({a["client_id"] for a in answers}) == 1, body
    assert await _counts(firm) == (2, 2, 0, 0)
    # The document's upsert body with its placeholder id names no client: nothing written.
    await call(consult, "POST", "/api/clients", firm.headers, raw=DOCUMENT_CLIENT, expect=404)
    assert await _counts(firm) == (2, 2, 0, 0)
