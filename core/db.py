"""Database: Tortoise configuration, start/stop, and the built-in migrations.

`TORTOISE_ORM` (read lazily from settings) is what `tortoise makemigrations` uses, via
`[tool.tortoise]` in pyproject.toml.
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

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
        from core.asyncpg_engine import DEFAULT_POOL_SIZE

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
    """Apply every committed migration that the database has not seen yet.

    On SQLite the foreign keys are off while the schema changes, as SQLite's own recipe
    for altering a table says: Tortoise alters a table by rebuilding it (a new table,
    the rows copied, the old one dropped), and with the keys enforced, dropping the old
    table deletes or unlinks every row that refers to it (a shop's customers and orders
    with it). The keys are checked once the migrations are done.
    """
    # Tortoise's migration machinery, loaded by the commands that migrate only.
    from tortoise.migrations.api.migrate import migrate as _tortoise_migrate

    config = tortoise_config(database_url)
    connection = config["connections"]["default"]
    sqlite = isinstance(connection, dict) and "sqlite" in str(connection.get("engine", ""))
    if sqlite:
        connection["credentials"] = {**connection["credentials"], "foreign_keys": "OFF"}
    try:
        await _tortoise_migrate(config=config)
        if sqlite:
            broken = await Tortoise.get_connection("default").execute_query_dict(
                "PRAGMA foreign_key_check"
            )
            if broken:
                raise RuntimeError(f"the migrated database breaks foreign keys: {broken[:5]}")
    finally:
        await Tortoise.close_connections()


async def database_alive() -> bool:
    try:
        connection = Tortoise.get_connection("default")
        await connection.execute_query("SELECT 1")
        return True
    except Exception:
        return False
