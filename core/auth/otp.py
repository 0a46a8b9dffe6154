"""One-time codes: 6 digits, 5 minutes, 3 requests a minute, 3 wrong tries lock 15 minutes.

Codes, counters and locks live in the key-value store (Redis, or the in-process one),
so every worker sees the same. Times come from the injected clock and are stored in
the values; the store's own TTLs only clean up.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from core.clock import Clock
from core.errors import Locked, RateLimited, Unauthorized


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
        now = self._now()
        window = now // 60
        counter = f"otp:rate:{phone}:{window}"
        count = await self.kv.incr(counter)
        if count == 1:
            await self.kv.expire(counter, 120)
        if count > self.policy.requests_per_minute:
            raise RateLimited(retry_after=60 - now % 60)
        code = f"{secrets.randbelow(10**6):06d}"
        record = {"code": code, "expires": now + self.policy.ttl_seconds, "wrong": 0}
        await self.kv.set(f"otp:code:{phone}", json.dumps(record), ex=self.policy.ttl_seconds + 60)
        return code

    async def verify_code(self, phone: str, code: str) -> None:
        """Accept the code once, or raise: Unauthorized (wrong/expired/none), Locked."""
        await self._check_lock(phone)
        key = f"otp:code:{phone}"
        raw = await self.kv.get(key)
        if raw is None:
            raise Unauthorized("Invalid or expired code")
        record = json.loads(raw)
        if int(record["expires"]) <= self._now():
            await self.kv.delete(key)
            raise Unauthorized("Invalid or expired code")
        if hmac.compare_digest(str(record["code"]), str(code)):
            # getdel makes the code single-use even when two requests race.
            if await self.kv.getdel(key) is None:
                raise Unauthorized("Invalid or expired code")
            return
        record["wrong"] = int(record["wrong"]) + 1
        if record["wrong"] >= self.policy.max_wrong_attempts:
            await self.kv.delete(key)
            until = self._now() + self.policy.lock_seconds
            await self.kv.set(f"otp:lock:{phone}", str(until), ex=self.policy.lock_seconds + 60)
            raise Locked(
                "Too many wrong codes. Try again in 15 minutes",
                retry_after=self.policy.lock_seconds,
            )
        await self.kv.set(key, json.dumps(record), keepttl=True)
        raise Unauthorized("Invalid or expired code")
