"""Database: Tortoise configuration, start/stop, and the built-in migrations.

`TORTOISE_ORM` (read lazily from settings) is what `tortoise makemigrations` uses, via
`[tool.tortoise]` in pyproject.toml.
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api.migrate import migrate as _tortoise_migrate

from core.asyncpg_engine import DEFAULT_POOL_SIZE

APP = "models"
MODEL_MODULES = ["core.models"]


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    connection: str | dict[str, Any] = url
    if url.startswith("sqlite://"):
        # Same SQLite backend, with Unicode UPPER/LOWER (see core.sqlite_engine). Tortoise
        # gives SQLite one connection behind a lock (one writer queue per process) in WAL
        # mode; the busy timeout makes another process (a `sauda` command while the
        # server runs) wait for the write lock instead of failing "database is locked".
        connection = {**expand_db_url(url), "engine": "core.sqlite_engine"}
        connection["credentials"] = {"busy_timeout": 10000, **connection["credentials"]}
    elif url.startswith(("postgres://", "asyncpg://")):
        # Tortoise's asyncpg backend, without a reset statement per query (core.asyncpg_engine).
        connection = {**expand_db_url(url), "engine": "core.asyncpg_engine"}
        connection["credentials"] = {
            "maxsize": DEFAULT_POOL_SIZE,
            **connection["credentials"],
        }
    return {
        "connections": {"default": connection},
        "apps": {
            APP: {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "core.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    if name == "TORTOISE_ORM":
        from core.settings import load_settings

        settings = load_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return tortoise_config(settings.effective_database_url)
    raise AttributeError(name)


async def init_db(database_url: str) -> None:
    """Connect the ORM; queries from any task of this process see it."""
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def apply_migrations(database_url: str) -> None:
    """Apply every committed migration that the database has not seen yet."""
    await _tortoise_migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def database_alive() -> bool:
    try:
        connection = Tortoise.get_connection("default")
        await connection.execute_query("SELECT 1")
        return True
    except Exception:
        return False
