"""Shop contract: one-time-code login over real HTTP (debug and Telegram delivery)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.models import Membership, OutboxEvent, Role, Shop, User
from core.runtime import Runtime
from tests.factories import auth

PHONE = "+77011234567"


async def request_code(api: TestClient, phone: Any = PHONE) -> Any:
    return await api.post("/api/auth/request-otp", json={"phone": phone})


async def verify(api: TestClient, code: str, phone: str = PHONE) -> Any:
    return await api.post("/api/auth/verify-otp", json={"phone": phone, "otp_code": code})


async def test_debug_login_creates_the_shop_named_as_the_document_shows(
    api: TestClient, runtime: Runtime
) -> None:
    response = await request_code(api)
    assert response.status == 200
    sent = await response.json()
    assert set(sent) == {"message", "delivery_method", "otp_code"}
    assert sent["delivery_method"] == "debug"
    assert isinstance(sent["message"], str) and len(sent["otp_code"]) == 6
    response = await verify(api, sent["otp_code"])
    assert response.status == 200, await response.text()
    token = await response.json()
    assert set(token) == {"access_token", "token_type", "shop_id", "shop_name"}
    assert token["token_type"] == "bearer"
    assert token["shop_name"] == "Цветочный магазин 4567"
    assert isinstance(token["shop_id"], int) and isinstance(token["access_token"], str)
    user = await User.get(phone=PHONE)
    membership = await Membership.get(user_id=user.id)
    assert (membership.shop_id, membership.role) == (token["shop_id"], Role.OWNER)  # type: ignore[attr-defined]
    response = await api.get("/api/orders/", headers=auth(token["access_token"]))
    assert response.status == 200
    assert await response.json() == {"items": [], "total": 0}


async def test_a_second_login_lands_in_the_same_shop_and_spellings_are_one_phone(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    code = (await (await request_code(api)).json())["otp_code"]
    first = await (await verify(api, code)).json()
    code = (await (await request_code(api, "8 (701) 123-45-67")).json())["otp_code"]
    second = await (await verify(api, code, "+7 701 123 4567")).json()
    assert second["shop_id"] == first["shop_id"]
    assert await Shop.all().count() == 1 and await User.all().count() == 1


@pytest.mark.parametrize(
    "phone",
    ["+998901234567", "+79161234567", "12345", "", "+7701123456", "телефон", 77011234567, None],
)
async def test_phones_that_are_not_kazakh_are_422_at_body_phone(
    api: TestClient, runtime: Runtime, phone: Any
) -> None:
    for path, body in (
        ("/api/auth/request-otp", {"phone": phone}),
        ("/api/auth/verify-otp", {"phone": phone, "otp_code": "123456"}),
    ):
        response = await api.post(path, json=body)
        assert response.status == 422, (path, phone)
        detail = (await response.json())["detail"]
        assert detail[0]["loc"] == ["body", "phone"] and isinstance(detail[0]["msg"], str)
    assert await User.all().count() == 0


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"phone": PHONE}, ["body", "otp_code"]),
        ({"phone": PHONE, "otp_code": "12ab56"}, ["body", "otp_code"]),
        ({"phone": PHONE, "otp_code": 123456}, ["body", "otp_code"]),
        ({"otp_code": "123456"}, ["body", "phone"]),
    ],
)
async def test_malformed_verify_requests_are_422(
    api: TestClient, runtime: Runtime, body: dict[str, Any], loc: list[str]
) -> None:
    response = await api.post("/api/auth/verify-otp", json=body)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == loc


async def test_wrong_codes_are_401_and_three_lock_the_phone(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    code = (await (await request_code(api)).json())["otp_code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        response = await verify(api, wrong)
        assert response.status == 401
        assert isinstance((await response.json())["detail"], str)
    response = await verify(api, wrong)
    assert response.status == 429
    body = await response.json()
    assert set(body) == {"detail", "retry_after"} and body["retry_after"] > 0
    assert (await verify(api, code)).status == 429
    assert (await request_code(api)).status == 429
    assert await User.all().count() == 0
    clock.advance(minutes=16)
    code = (await (await request_code(api)).json())["otp_code"]
    assert (await verify(api, code)).status == 200


async def test_new_codes_do_not_reset_the_wrong_tries(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """The probe: request, 2 wrong, request, 2 wrong, request, 2 wrong, then the right
    code gave a token (each new code reset the count)."""
    statuses = []
    code = ""
    for _ in range(3):
        response = await request_code(api)
        if response.status == 200:
            code = (await response.json())["otp_code"]
        statuses.append(response.status)
        for _ in range(2):
            statuses.append((await verify(api, "000000" if code != "000000" else "111111")).status)
        clock.advance(seconds=21)  # within the minute's request limit either way
    response = await verify(api, code)
    assert response.status == 429
    assert "access_token" not in await response.json()
    assert statuses[:4] == [200, 401, 401, 200] and statuses[4] == 429
    assert set(statuses[4:]) == {429}
    assert await User.all().count() == 0


async def test_codes_across_a_minute_edge_are_three_not_six(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """The probe: 3 codes at :57 and 3 more at :01 gave 6 codes in 4 seconds."""
    clock.set(clock.now().replace(second=57))
    assert [(await request_code(api)).status for _ in range(3)] == [200, 200, 200]
    clock.advance(seconds=4)
    answers = [await request_code(api) for _ in range(3)]
    assert [a.status for a in answers] == [429, 429, 429]
    assert {a.headers["Retry-After"] for a in answers} == {"56"}


async def test_codes_expire_after_five_minutes_and_work_once(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    code = (await (await request_code(api)).json())["otp_code"]
    clock.advance(minutes=5, seconds=1)
    assert (await verify(api, code)).status == 401
    code = (await (await request_code(api)).json())["otp_code"]
    assert (await verify(api, code)).status == 200
    assert (await verify(api, code)).status == 401


async def test_three_codes_a_minute_per_phone(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    clock.set(clock.now().replace(second=0))
    for _ in range(3):
        assert (await request_code(api)).status == 200
    response = await request_code(api)
    assert response.status == 429
    body = await response.json()
    assert body == {"detail": "Rate limit exceeded", "retry_after": body["retry_after"]}
    assert 0 < body["retry_after"] <= 60
    assert response.headers["Retry-After"] == str(body["retry_after"])
    assert (await request_code(api, "+77059998877")).status == 200
    clock.advance(seconds=60)
    assert (await request_code(api)).status == 200


@pytest.mark.parametrize("settings_overrides", [{"otp_delivery": "telegram"}])
async def test_telegram_delivery_needs_a_linked_chat(api: TestClient, runtime: Runtime) -> None:
    response = await request_code(api)
    assert response.status == 400
    detail = (await response.json())["detail"]
    assert "bot" in detail and "contact" in detail
    assert await OutboxEvent.filter(topic="telegram").count() == 0
    await User.create(phone=PHONE, telegram_id=555, telegram_chat_id=555, language="kk")
    response = await request_code(api)
    assert response.status == 200
    assert await response.json() == {
        "message": "OTP sent to your Telegram",
        "delivery_method": "telegram",
    }
    row = await OutboxEvent.get(topic="telegram")
    assert row.payload["chat_id"] == 555 and row.payload["language"] == "kk"
    code = row.payload["params"]["code"]
    assert len(code) == 6
    assert (await verify(api, code)).status == 200
