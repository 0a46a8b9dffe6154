"""The key-value store: real Redis when REDIS_URL is set, an in-process one otherwise.

Both are `redis.asyncio.Redis`-compatible (fakeredis implements the same client), so
every caller has one code path.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as redis

KV = redis.Redis

# The Telegram bot's username (getMe), kept by the bot process for links that other
# processes print (tracking pages, `sauda demo`).
BOT_USERNAME_KEY = "sauda:bot:username"


def create_kv(url: str) -> Any:
    """Open the store named by `url`; an empty url gives a private in-process store."""
    if not url:
        from fakeredis import FakeAsyncRedis

        return FakeAsyncRedis(decode_responses=True)
    return redis.from_url(url, decode_responses=True)


async def ping(kv: Any) -> bool:
    try:
        return bool(await kv.ping())
    except Exception:
        return False
