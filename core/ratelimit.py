"""Sliding-window rate limits in the key-value store, so all workers share them.

One limiter serves every limit of the platform: the 1000 calls an hour per shop (and per
user, per client address) of the HTTP contracts, the 3 one-time codes a minute per phone
and the 3 wrong codes per 15 minutes of core.auth.otp.

A bucket is a sorted set of the calls it let through, scored by the time they were made
(milliseconds). A call is let through when fewer than `limit` calls lie within the last
`window_seconds`; then it is recorded. Refused calls are not recorded (a caller who keeps
knocking is let in as soon as the oldest counted call leaves the window). There is no
fixed window edge to straddle: 3 codes at :57 and 3 more at :01 are 3 codes, not 6.

The check and the recording are one Lua script, so concurrent callers (several workers,
one Redis) can never both take the last slot. Time comes from the injected clock, passed
to the script (not Redis TIME), so tests hold it still and move it; the store's own TTL
only cleans up. The in-process store (core.localstore) keeps its buckets itself, with
the scripts' semantics (`sliding_window`, `sliding_booking`), instead of running them in
fakeredis's embedded Lua.

`book` is the same window for callers that wait rather than give up (the Telegram
sender): it books the earliest moment at or after `at` when the call fits, and returns it.

When the store is down, `take` and `book` raise the driver's error: core.dependencies maps it to
`Unavailable` (503). A limit is never skipped.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

import redis.exceptions

from core.clock import Clock

# KEYS[1] the bucket; ARGV: now (ms), window (ms), limit, a unique member for this call.
# Returns {1 if let through else 0, calls counted in the window, score of the oldest}.
SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  count = count + 1
  allowed = 1
end
local oldest = now
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if first[2] then
  oldest = tonumber(first[2])
end
if count > 0 then
  redis.call('PEXPIRE', key, window + 1000)
end
return {allowed, count, tostring(oldest)}
"""
# KEYS[1] the bucket; ARGV: at (ms), window (ms), limit, a unique member for this call.
# Books the earliest moment t >= at with fewer than `limit` bookings in (t - window, t]:
# the limit-th latest booking plus a window. Returns t.
SLIDING_BOOKING = """
local key = KEYS[1]
local at = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', at - window)
local count = redis.call('ZCARD', key)
local t = at
if count >= limit then
  local nth = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  t = math.max(at, tonumber(nth[2]) + window)
end
redis.call('ZADD', key, t, ARGV[4])
redis.call('PEXPIRE', key, t - at + window + 1000)
return tostring(t)
"""
# Redis names a script by its SHA-1 (EVALSHA): an identifier, not a security use.
_SHAS = {
    script: hashlib.sha1(script.encode(), usedforsecurity=False).hexdigest()
    for script in (SLIDING_WINDOW, SLIDING_BOOKING)
}

# What the in-process store (core.localstore) calls each script, when it has it.
_NATIVE = {SLIDING_WINDOW: "sliding_window", SLIDING_BOOKING: "sliding_booking"}


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int  # -1 when this call was refused
    reset_at: int  # unix time when the oldest counted call leaves the window (a slot frees)

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def retry_after(self, now: int) -> int:
        return max(1, self.reset_at - now)


async def _run(kv: Any, key: str, *args: Any, script: str = SLIDING_WINDOW) -> Any:
    native = getattr(kv, _NATIVE[script], None)
    if native is not None:
        return await native(key, *args[:3])
    try:
        return await kv.evalsha(_SHAS[script], 1, key, *args)
    except redis.exceptions.NoScriptError:
        return await kv.eval(script, 1, key, *args)


async def take(kv: Any, clock: Clock, *, bucket: str, limit: int, window_seconds: int) -> Quota:
    """Count one call in `bucket` if fewer than `limit` were let through in the last
    `window_seconds`; `exceeded` says it was refused (and not counted)."""
    now_ms = int(clock.now().timestamp() * 1000)
    window_ms = window_seconds * 1000
    member = f"{now_ms}-{secrets.token_hex(6)}"
    allowed, count, oldest = await _run(kv, f"rl:{bucket}", now_ms, window_ms, limit, member)
    reset_at = math.ceil((float(oldest) + window_ms) / 1000)
    remaining = limit - int(count) if int(allowed) else -1
    return Quota(limit=limit, remaining=remaining, reset_at=reset_at)


async def book(kv: Any, *, bucket: str, limit: int, window_seconds: float, at: float) -> float:
    """Book a call in `bucket` at the earliest unix time >= `at` that keeps at most `limit`
    calls in any `window_seconds`; returns that time (the caller waits until then)."""
    at_ms = int(at * 1000)
    member = f"{at_ms}-{secrets.token_hex(6)}"
    window_ms = int(window_seconds * 1000)
    booked = await _run(kv, f"rl:{bucket}", at_ms, window_ms, limit, member, script=SLIDING_BOOKING)
    return float(booked) / 1000


async def forget(kv: Any, *, bucket: str) -> None:
    """Drop every call counted in `bucket` (a lock-out's attempts after a success)."""
    await kv.delete(f"rl:{bucket}")
