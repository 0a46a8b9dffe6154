"""Leader election: of several processes, one runs the timed jobs.

With Redis (REDIS_URL set) the leader is whoever holds a lock key: taken with
`SET key token NX PX ttl`, renewed by its holder every `ttl / 3`, released on stop.
A leader that dies stops renewing, the key expires after `ttl`, and the next instance
that tries takes it, so another instance takes over within `ttl` plus one heartbeat.
Renewal and release only touch the key while it still holds our token (WATCH/MULTI,
which the in-process store supports too; no Lua needed).

Without Redis one process is the whole deployment and is always the leader.
Jobs stay idempotent regardless (DESIGN.md §5): the lock keeps the work on one
instance, the database's unique records keep a short overlap from sending twice.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any, Protocol

from redis.exceptions import WatchError

log = logging.getLogger(__name__)

LEADER_KEY = "sauda:scheduler:leader"
DEFAULT_TTL_SECONDS = 30.0


class Leadership(Protocol):
    """Who may run jobs now."""

    @property
    def is_leader(self) -> bool: ...

    async def hold(self) -> bool:
        """Become or stay leader; True when this process holds leadership now."""
        ...

    async def release(self) -> None: ...


class SoleLeader:
    """A single process (no Redis): always the leader."""

    is_leader = True

    async def hold(self) -> bool:
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
        self._held = False

    @property
    def ttl_seconds(self) -> float:
        return self.ttl_ms / 1000

    @property
    def is_leader(self) -> bool:
        """What the last `hold()` found (the authoritative check is `hold()` itself)."""
        return self._held

    async def hold(self) -> bool:
        """Take the lock when it is free, or extend it when it is ours.

        Outcomes: True (we hold it for another `ttl`), False (another instance does).
        """
        try:
            if await self.kv.set(self.key, self.token, nx=True, px=self.ttl_ms):
                held = True
            else:
                held = await self._renew()
        except Exception:
            # Redis unreachable: we cannot prove leadership, so we stop leading.
            log.exception("leader lock %s: Redis error", self.key)
            held = False
        if held != self._held:
            log.info("leader lock %s: %s", self.key, "acquired" if held else "lost")
        self._held = held
        return held

    async def _renew(self) -> bool:
        async with self.kv.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(self.key)
                if _text(await pipe.get(self.key)) != self.token:
                    await pipe.unwatch()
                    return False
                pipe.multi()
                pipe.pexpire(self.key, self.ttl_ms)
                await pipe.execute()
                return True
            except WatchError:
                return False

    async def release(self) -> None:
        """Give the lock up (only if it is still ours), so another takes over at once."""
        if self._held:
            try:
                await delete_if_equals(self.kv, self.key, self.token)
            except Exception:
                log.exception("leader lock %s: release failed", self.key)
        self._held = False


def leadership_for(
    settings: Any, kv: Any, *, ttl_seconds: float = DEFAULT_TTL_SECONDS
) -> Leadership:
    """A Redis lock when REDIS_URL is set (several instances may run), else sole leader."""
    if settings.redis_url:
        return RedisLeaderLock(kv, ttl_seconds=ttl_seconds)
    return SoleLeader()
