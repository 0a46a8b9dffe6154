"""The embedded database: Tortoise's SQLite backend with Unicode case folding.

SQLite's built-in UPPER and LOWER fold ASCII letters only, and Tortoise's `icontains`
compares `UPPER(column) LIKE UPPER(pattern)`, so on SQLite "роза" would not find
"Роза Красная" (PostgreSQL folds Cyrillic). Every connection gets Python's
`str.upper`/`str.lower` in their place, so searches behave alike on both databases.

Transactions begin with `BEGIN IMMEDIATE`: they take the write lock at once, waiting
out the busy timeout while another process writes. A deferred `BEGIN` would read first
and then fail "database is locked" without waiting when it tried to write after the
other process committed (its WAL snapshot is stale by then).

(Tortoise's migration executor picks its SQLite schema editor by the client's module
name containing "sqlite": keep it in this module's name.)
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class UnicodeSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    async def _post_connect(self) -> None:
        await super()._post_connect()
        await self._connection.create_function("upper", 1, _upper, deterministic=True)
        await self._connection.create_function("lower", 1, _lower, deterministic=True)


client_class = UnicodeSqliteClient
