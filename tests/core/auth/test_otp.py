"""One-time codes on the in-process store and on real Redis: expiry, single use, rate
limit and lock-out, all on a controlled clock."""

from __future__ import annotations

from typing import Any

import pytest

from core.auth.otp import OtpService
from core.clock import FrozenClock
from core.errors import Locked, RateLimited, Unauthorized

PHONE = "+77011234567"


@pytest.fixture
def otp(kv: Any, clock: FrozenClock) -> OtpService:
    return OtpService(kv, clock)


async def test_a_code_is_six_digits_and_works_once(otp: OtpService) -> None:
    code = await otp.request_code(PHONE)
    assert len(code) == 6 and code.isdigit()
    await otp.verify_code(PHONE, code)
    with pytest.raises(Unauthorized):
        await otp.verify_code(PHONE, code)


async def test_a_code_expires_after_five_minutes(otp: OtpService, clock: FrozenClock) -> None:
    code = await otp.request_code(PHONE)
    clock.advance(seconds=299)
    other = await otp.request_code("+77017654321")
    clock.advance(seconds=2)
    with pytest.raises(Unauthorized):
        await otp.verify_code(PHONE, code)
    await otp.verify_code("+77017654321", other)


async def test_a_new_code_replaces_the_old_one(otp: OtpService) -> None:
    first = await otp.request_code(PHONE)
    second = await otp.request_code(PHONE)
    if first != second:
        with pytest.raises(Unauthorized):
            await otp.verify_code(PHONE, first)
    await otp.verify_code(PHONE, second)


async def test_three_requests_a_minute_per_phone(otp: OtpService, clock: FrozenClock) -> None:
    clock.set(clock.now().replace(second=0))
    for _ in range(3):
        await otp.request_code(PHONE)
    with pytest.raises(RateLimited) as raised:
        await otp.request_code(PHONE)
    assert 0 < raised.value.retry_after <= 60
    await otp.request_code("+77017654321")
    clock.advance(seconds=60)
    await otp.request_code(PHONE)


async def test_three_wrong_codes_lock_the_phone_for_fifteen_minutes(
    otp: OtpService, clock: FrozenClock
) -> None:
    code = await otp.request_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await otp.verify_code(PHONE, wrong)
    with pytest.raises(Locked):
        await otp.verify_code(PHONE, wrong)
    with pytest.raises(Locked):
        await otp.verify_code(PHONE, code)
    with pytest.raises(Locked):
        await otp.request_code(PHONE)
    clock.advance(minutes=15, seconds=1)
    fresh = await otp.request_code(PHONE)
    await otp.verify_code(PHONE, fresh)
