"""The key-value store: real Redis when REDIS_URL is set, an in-process one otherwise.

Both are `redis.asyncio.Redis`-compatible (fakeredis implements the same client), so
every caller has one code path. The in-process one (core.localstore) also keeps the rate
limiter's buckets itself (`sliding_window`, `sliding_booking`: core.ratelimit asks for
them when the store has them): fakeredis would run the limiter's Lua script per call
through an embedded Lua interpreter, ~0.5 ms a call and growing with the calls in the
window, more than a whole cached request costs otherwise.

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
        from core.localstore import LocalStore

        return LocalStore(decode_responses=True)
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
