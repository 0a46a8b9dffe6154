"""One-time codes: 6 digits, 5 minutes, 3 requests a minute, 3 wrong tries lock 15 minutes.

Codes, counters and locks live in the key-value store (Redis, or the in-process one),
so every worker sees the same. Times come from the injected clock and are stored in
the values; the store's own TTLs only clean up.

Both limits are sliding windows of core.ratelimit (one atomic script):

- requests: at most 3 codes in any 60 seconds per phone (no window edge to straddle);
- tries: at most 3 tries per phone in any 15 minutes, counted per phone across codes: a
  new code does not reset them. A try is counted *before* the code is compared, so
  concurrent guesses cannot slip past the limit; a right code clears the count. The
  third wrong try (or any try past the limit) locks the phone for 15 minutes.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, NoReturn

from core.clock import Clock
from core.errors import Locked, RateLimited, Unauthorized
from core.ratelimit import forget, take


@dataclass(frozen=True)
class OtpPolicy:
    ttl_seconds: int = 300
    requests_per_minute: int = 3
    max_wrong_attempts: int = 3
    lock_seconds: int = 900


class OtpService:
    def __init__(self, kv: Any, clock: Clock, policy: OtpPolicy | None = None) -> None:
        self.kv = kv
        self.clock = clock
        self.policy = policy or OtpPolicy()

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    async def _check_lock(self, phone: str) -> None:
        until = await self.kv.get(f"otp:lock:{phone}")
        if until is not None and int(until) > self._now():
            retry = int(until) - self._now()
            raise Locked(
                f"Too many wrong codes. Try again in {max(1, retry // 60)} minutes",
                retry_after=retry,
            )

    async def request_code(self, phone: str) -> str:
        """A fresh code for the phone (the previous one stops working).

        Raises Locked while the phone is locked and RateLimited past 3 requests a minute.
        """
        await self._check_lock(phone)
        quota = await take(
            self.kv,
            self.clock,
            bucket=f"otp:requests:{phone}",
            limit=self.policy.requests_per_minute,
            window_seconds=60,
        )
        now = self._now()
        if quota.exceeded:
            raise RateLimited(retry_after=quota.retry_after(now))
        code = f"{secrets.randbelow(10**6):06d}"
        record = {"code": code, "expires": now + self.policy.ttl_seconds}
        await self.kv.set(f"otp:code:{phone}", json.dumps(record), ex=self.policy.ttl_seconds + 60)
        return code

    async def verify_code(self, phone: str, code: str) -> None:
        """Accept the code once, or raise: Unauthorized (wrong/expired/none), Locked."""
        await self._check_lock(phone)
        tries = f"otp:tries:{phone}"
        quota = await take(
            self.kv,
            self.clock,
            bucket=tries,
            limit=self.policy.max_wrong_attempts,
            window_seconds=self.policy.lock_seconds,
        )
        if quota.exceeded:
            await self._lock(phone)
        key = f"otp:code:{phone}"
        raw = await self.kv.get(key)
        record = json.loads(raw) if raw is not None else None
        if record is not None and int(record["expires"]) <= self._now():
            await self.kv.delete(key)
            record = None
        # getdel makes the code single-use even when two requests race.
        if (
            record is not None
            and hmac.compare_digest(str(record["code"]), str(code))
            and await self.kv.getdel(key) is not None
        ):
            await forget(self.kv, bucket=tries)
            return
        # The last try the window allows was not the code (also when a racing guess has
        # locked the phone and taken the code away meanwhile): locked.
        if quota.remaining == 0:
            await self._lock(phone)
        raise Unauthorized("Invalid or expired code")

    async def _lock(self, phone: str) -> NoReturn:
        """Lock the phone for `lock_seconds` (its code stops working) and raise Locked."""
        await self.kv.delete(f"otp:code:{phone}")
        until = self._now() + self.policy.lock_seconds
        await self.kv.set(f"otp:lock:{phone}", str(until), ex=self.policy.lock_seconds + 60)
        raise Locked(
            "Too many wrong codes. Try again in 15 minutes",
            retry_after=self.policy.lock_seconds,
        )
