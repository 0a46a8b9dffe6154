"""PostgreSQL: Tortoise's asyncpg backend without a reset round trip after each query.

Each query outside a transaction takes a pool connection and gives it back. asyncpg's
default release runs a reset statement (`SELECT pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL`), one more round trip per query: half of a list request's
statements. Nothing here changes session state (no LISTEN, SET, cursors or advisory
locks; the scheduler's leader lock lives in Redis), so the pool keeps connections as they
are. asyncpg still rolls back a transaction left open before a connection goes back.

The pool holds up to 10 connections unless the URL says otherwise (`?maxsize=`).

(Tortoise's migration executor picks its PostgreSQL schema editor by the client's module
name containing "asyncpg": keep it in this module's name.)
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

DEFAULT_POOL_SIZE = 10


async def keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset: nothing to undo (asyncpg has rolled back an open transaction)."""


class KeptSessionAsyncpgClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=keep_session, **kwargs)


client_class = KeptSessionAsyncpgClient
