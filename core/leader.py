"""Leader election: of several processes, one runs the timed jobs.

With Redis (REDIS_URL set) the leader is whoever holds a lock key. Its value is the
holder's token and a fencing number (`<host>:<pid>:<uuid>#<n>`, `n` from INCR on
`<key>:fence`, so every acquisition, even by the same process, has a larger number than
the last one).

- `hold()` takes the lock when it is free (`SET key value NX PX ttl`) or renews it when it
  is ours: a compare-and-set (WATCH the key, check it still holds our value, PEXPIRE in
  MULTI/EXEC; the in-process store, fakeredis, supports exactly this, and no Lua). Only
  the scheduler's heartbeat calls it (scheduler.runner), and calls on one instance are
  serialised by an asyncio lock, so the holder never races its own renewals: three
  concurrent `hold()`s by the holder all answer True.
- `check()` is what a job asks before it runs: one GET compared with our value, which
  changes nothing and so cannot race anything. Otherwise it asks `hold()` (serialised
  with the heartbeat), so a free key is taken at once: a lone process does not wait
  for a heartbeat to lead.
- `release()` deletes the key only while it still holds our value.

A leader that dies stops renewing, the key expires after `ttl`, and the next instance
that asks takes it: another instance takes over within `ttl` plus one heartbeat. A
leader that was paused longer than `ttl` finds another value there and stops leading.

Without Redis one process is the whole deployment and is always the leader.
Jobs stay idempotent regardless (DESIGN.md §5), and the runner claims each scheduled
run once in the store (scheduler.runner), so a short overlap sends nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from typing import Any, Protocol

from redis.exceptions import WatchError

from core.dependencies import log_failure

log = logging.getLogger(__name__)

LEADER_KEY = "sauda:scheduler:leader"
DEFAULT_TTL_SECONDS = 30.0


class Leadership(Protocol):
    """Who may run jobs now."""

    @property
    def is_leader(self) -> bool: ...

    @property
    def value(self) -> str | None:
        """What identifies this holder in the store (for slot claims and logs)."""
        ...

    async def hold(self) -> bool:
        """Become or stay leader (the heartbeat); True when this process leads now."""
        ...

    async def check(self) -> bool:
        """Whether this process leads now (before a job runs); never races `hold()`."""
        ...

    async def release(self) -> None: ...


class SoleLeader:
    """A single process (no Redis): always the leader."""

    is_leader = True
    fence = 0
    value = "sole"

    async def hold(self) -> bool:
        return True

    async def check(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


async def delete_if_equals(kv: Any, key: str, value: str) -> bool:
    """Delete `key` only while it still holds `value`; False when it changed or is gone."""
    async with kv.pipeline(transaction=True) as pipe:
        try:
            await pipe.watch(key)
            if _text(await pipe.get(key)) != value:
                await pipe.unwatch()
                return False
            pipe.multi()
            pipe.delete(key)
            await pipe.execute()
            return True
        except WatchError:
            return False


async def expire_if_equals(kv: Any, key: str, value: str, ttl_ms: int) -> bool:
    """Give `key` a new TTL only while it still holds `value` (compare-and-set)."""
    async with kv.pipeline(transaction=True) as pipe:
        try:
            await pipe.watch(key)
            if _text(await pipe.get(key)) != value:
                await pipe.unwatch()
                return False
            pipe.multi()
            pipe.pexpire(key, ttl_ms)
            await pipe.execute()
            return True
        except WatchError:
            # Changed between GET and EXEC: it expired or was taken. Not ours any more.
            return False


class RedisLeaderLock:
    """Leadership through a Redis lock with a TTL that its holder keeps renewing."""

    def __init__(
        self,
        kv: Any,
        *,
        key: str = LEADER_KEY,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        token: str | None = None,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self.kv = kv
        self.key = key
        self.ttl_ms = max(1, int(ttl_seconds * 1000))
        self.token = token or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.fence: int | None = None
        self._value: str | None = None
        self._held = False
        self._mutex = asyncio.Lock()

    @property
    def ttl_seconds(self) -> float:
        return self.ttl_ms / 1000

    @property
    def is_leader(self) -> bool:
        """What the last `hold()` or `check()` found."""
        return self._held

    @property
    def value(self) -> str | None:
        """What the key holds while we lead (token and fencing number)."""
        return self._value

    async def hold(self) -> bool:
        """Take the lock when it is free, or extend it when it is ours.

        Outcomes: True (we hold it for another `ttl`), False (another instance does, or
        Redis cannot be reached: we cannot prove leadership, so we stop leading).
        """
        async with self._mutex:
            try:
                held = await self._renew() or await self._acquire()
            except Exception as error:
                log_failure(log, error, "leader lock %s: not held", self.key)
                held = False
            self._note(held)
            return held

    async def check(self) -> bool:
        """Whether we lead now: our value is in the key (one GET). Anything else is
        settled by `hold()`, serialised with the heartbeat: a free key is taken."""
        try:
            current = _text(await self.kv.get(self.key))
        except Exception:
            current = None
        if current is not None and current == self._value:
            return True
        return await self.hold()

    async def _renew(self) -> bool:
        if self._value is None:
            return False
        return await expire_if_equals(self.kv, self.key, self._value, self.ttl_ms)

    async def _acquire(self) -> bool:
        if await self.kv.exists(self.key):
            return False
        fence = int(await self.kv.incr(f"{self.key}:fence"))
        value = f"{self.token}#{fence}"
        if not await self.kv.set(self.key, value, nx=True, px=self.ttl_ms):
            return False
        self._value, self.fence = value, fence
        return True

    def _note(self, held: bool) -> None:
        if held != self._held:
            log.info(
                "leader lock %s: %s",
                self.key,
                f"acquired (fence {self.fence})" if held else "lost",
            )
        self._held = held
        if not held:
            self._value = None

    async def release(self) -> None:
        """Give the lock up (only if it is still ours), so another takes over at once."""
        async with self._mutex:
            if self._value is not None:
                try:
                    await delete_if_equals(self.kv, self.key, self._value)
                except Exception:
                    log.exception("leader lock %s: release failed", self.key)
            self._held = False
            self._value = None


def leadership_for(
    settings: Any, kv: Any, *, ttl_seconds: float = DEFAULT_TTL_SECONDS
) -> Leadership:
    """A Redis lock when REDIS_URL is set (several instances may run), else sole leader."""
    if settings.redis_url:
        return RedisLeaderLock(kv, ttl_seconds=ttl_seconds)
    return SoleLeader()
