"""One-time codes on the in-process store and on real Redis: expiry, single use, rate
limit and lock-out, all on a controlled clock."""

from __future__ import annotations

import asyncio
from collections import Counter
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


def a_wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


async def test_a_new_code_does_not_reset_the_wrong_tries(
    otp: OtpService, clock: FrozenClock
) -> None:
    """The probe: request, 2 wrong, request, 2 wrong, request, 2 wrong, right code."""
    outcomes = []
    code = ""
    for _ in range(3):
        try:
            code = await otp.request_code(PHONE)
        except (Locked, RateLimited) as error:
            outcomes.append(type(error).__name__)
        for _ in range(2):
            try:
                await otp.verify_code(PHONE, a_wrong(code))
            except (Unauthorized, Locked) as error:
                outcomes.append(type(error).__name__)
            clock.advance(seconds=5)
    with pytest.raises(Locked):
        await otp.verify_code(PHONE, code)
    # The third wrong try, under the second code, locked the phone.
    assert outcomes[:3] == ["Unauthorized", "Unauthorized", "Locked"]
    assert set(outcomes[3:]) == {"Locked"}


async def test_wrong_tries_count_for_the_lock_window_then_age_out(
    otp: OtpService, clock: FrozenClock
) -> None:
    code = await otp.request_code(PHONE)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await otp.verify_code(PHONE, a_wrong(code))
    clock.advance(minutes=14)
    code = await otp.request_code(PHONE)
    with pytest.raises(Locked):
        await otp.verify_code(PHONE, a_wrong(code))
    # Had the third come more than 15 minutes after the first two, they had aged out.
    clock.advance(minutes=16)
    code = await otp.request_code(PHONE)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await otp.verify_code(PHONE, a_wrong(code))
    clock.advance(minutes=15, seconds=1)
    code = await otp.request_code(PHONE)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await otp.verify_code(PHONE, a_wrong(code))
    await otp.verify_code(PHONE, code)


async def test_a_right_code_clears_the_wrong_tries(otp: OtpService) -> None:
    code = await otp.request_code(PHONE)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await otp.verify_code(PHONE, a_wrong(code))
    await otp.verify_code(PHONE, code)
    code = await otp.request_code(PHONE)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await otp.verify_code(PHONE, a_wrong(code))
    await otp.verify_code(PHONE, code)


async def test_concurrent_guesses_get_three_tries_in_all(otp: OtpService) -> None:
    code = await otp.request_code(PHONE)
    results = await asyncio.gather(
        *(otp.verify_code(PHONE, a_wrong(code)) for _ in range(20)), return_exceptions=True
    )
    kinds = Counter(type(result).__name__ for result in results)
    assert kinds == {"Unauthorized": 2, "Locked": 18}
    with pytest.raises(Locked):
        await otp.verify_code(PHONE, code)


async def test_codes_requested_across_a_minute_edge_are_three_not_six(
    otp: OtpService, clock: FrozenClock
) -> None:
    """The probe: 3 codes at :57 and 3 at :01 (4 s later) were 6 codes in a fixed window."""
    clock.set(clock.now().replace(second=57))
    for _ in range(3):
        await otp.request_code(PHONE)
    clock.advance(seconds=4)
    for _ in range(3):
        with pytest.raises(RateLimited) as raised:
            await otp.request_code(PHONE)
        assert raised.value.retry_after == 56
    clock.advance(seconds=56)
    await otp.request_code(PHONE)
