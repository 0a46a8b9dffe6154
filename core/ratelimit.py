"""Fixed-window rate limits counted in the key-value store, so all workers share them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.clock import Clock


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset_at: int  # unix time when the window ends

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def retry_after(self, now: int) -> int:
        return max(1, self.reset_at - now)


async def take(kv: Any, clock: Clock, *, bucket: str, limit: int, window_seconds: int) -> Quota:
    """Count one call in `bucket`; `remaining` goes negative once the limit is passed."""
    now = int(clock.now().timestamp())
    window = now // window_seconds
    key = f"rl:{bucket}:{window}"
    count = int(await kv.incr(key))
    if count == 1:
        await kv.expire(key, window_seconds + 5)
    return Quota(limit=limit, remaining=limit - count, reset_at=(window + 1) * window_seconds)
