"""The embedded database: Tortoise's SQLite backend with Unicode case folding.

SQLite's built-in UPPER and LOWER fold ASCII letters only, and Tortoise's `icontains`
compares `UPPER(column) LIKE UPPER(pattern)`, so on SQLite "роза" would not find
"Роза Красная" (PostgreSQL folds Cyrillic). Every connection gets Python's
`str.upper`/`str.lower` in their place, so searches behave alike on both databases.

(Tortoise's migration executor picks its SQLite schema editor by the client's module
name containing "sqlite": keep it in this module's name.)
"""

from __future__ import annotations

from typing import Any

from tortoise.backends.sqlite.client import SqliteClient


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class UnicodeSqliteClient(SqliteClient):
    async def _post_connect(self) -> None:
        await super()._post_connect()
        await self._connection.create_function("upper", 1, _upper, deterministic=True)
        await self._connection.create_function("lower", 1, _lower, deterministic=True)


client_class = UnicodeSqliteClient
