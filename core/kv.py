"""The key-value store: real Redis when REDIS_URL is set, an in-process one otherwise.

Both are `redis.asyncio.Redis`-compatible (fakeredis implements the same client), so
every caller has one code path.

A Redis that is down or hangs fails a call within seconds (a short connect and reply
timeout, two quick retries that also cover a connection gone stale while it was away)
instead of holding the request: the caller answers 503 (core.dependencies) and the next
call reconnects by itself.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

KV = redis.Redis

CONNECT_TIMEOUT_SECONDS = 2.0
REPLY_TIMEOUT_SECONDS = 5.0
RETRIES = 2

# The Telegram bot's username (getMe), kept by the bot process for links that other
# processes print (tracking pages, `sauda demo`).
BOT_USERNAME_KEY = "sauda:bot:username"


def create_kv(url: str) -> Any:
    """Open the store named by `url`; an empty url gives a private in-process store."""
    if not url:
        from fakeredis import FakeAsyncRedis

        return FakeAsyncRedis(decode_responses=True)
    return redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=REPLY_TIMEOUT_SECONDS,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), RETRIES),
    )


async def ping(kv: Any) -> bool:
    try:
        return bool(await kv.ping())
    except Exception:
        return False
