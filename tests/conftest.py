"""Test infrastructure: every database test runs on SQLite and on the real PostgreSQL,
every store test on the in-process store and on real Redis.

SAUDA_REQUIRE_SERVICES=1 (set by .ci/run) turns a missing PostgreSQL or Redis into a
failure instead of a skip.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from core.clock import FrozenClock
from core.db import apply_migrations, close_db, init_db
from core.runtime import Runtime
from core.settings import load_settings

REQUIRE_SERVICES = os.environ.get("SAUDA_REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
# pytest-xdist runs workers gw0, gw1, ...: each is its own process with its own databases.
WORKER_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def _redis_url() -> str:
    """Each test session gets its own PostgreSQL database (created from POSTGRES_URL's
    server, named by process id) and its own Redis database: TEST_REDIS_DB (default 15)
    for the first worker, one below it for each further one (15, 14, ...), so parallel
    workers and sessions on one machine never flush each other's keys."""
    explicit = os.environ.get("TEST_REDIS_URL")
    base = int(os.environ.get("TEST_REDIS_DB", "15"))
    if explicit and WORKER_INDEX == 0:
        return explicit
    server = explicit.rsplit("/", 1)[0] if explicit else "redis://127.0.0.1:6379"
    return f"{server}/{(base - WORKER_INDEX) % 16}"


REDIS_URL = _redis_url()
JWT_SECRET = "test-secret-" + "x" * 40


def run_in_thread(factory: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine to completion on its own loop (session set-up happens while a
    test's loop is already running)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()  # type: ignore[arg-type]


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); set SAUDA_REQUIRE_SERVICES=0 to skip"
    if REQUIRE_SERVICES:
        pytest.fail(message, pytrace=False)
    pytest.skip(f"{what} not reachable: {error}")


# --- databases -------------------------------------------------------------------------


def _schema_fingerprint() -> str:
    """What a migrated database is made of: the migrations, the models and enums they
    import, our database engines, and the versions of Tortoise and SQLite. The migrated
    templates are named by it, so a change to any of them builds new ones."""
    import sqlite3
    from importlib.metadata import version

    root = Path(__file__).resolve().parent.parent
    sources = sorted((root / "core" / "migrations").glob("*.py"))
    sources += sorted((root / "core" / "models").glob("*.py"))
    sources += [root / "core" / name for name in ("db.py", "sqlite_engine.py", "asyncpg_engine.py")]
    sources += [root / "core" / "orders" / "status.py"]
    digest = hashlib.sha256()
    for package in ("tortoise-orm", "pypika-tortoise", "asyncpg"):
        digest.update(f"{package}={version(package)};".encode())
    digest.update(f"sqlite={sqlite3.sqlite_version};".encode())
    for source in sources:
        digest.update(f"{source.relative_to(root)}:".encode() + source.read_bytes())
    return digest.hexdigest()[:16]


SCHEMA = _schema_fingerprint()
# Migrating takes ~45 s per database kind (Tortoise renders its model state per operation),
# so each kind is migrated once per schema on this machine, not once per test worker: into
# a template file here for SQLite, into a template database on the server for PostgreSQL.
TEMPLATE_DIR = Path(tempfile.gettempdir()) / "sauda-test-templates"


async def _migrate_sqlite(url: str, target: str | None) -> None:
    if target is None:
        await apply_migrations(url)
        return
    from tortoise.migrations.api.migrate import migrate

    from core.db import tortoise_config

    try:
        await migrate(config=tortoise_config(url), target=f"models.{target}")
    finally:
        await close_db()


def _build_sqlite_template(target: str | None = None) -> Path:
    """The SQLite file migrated to the leaf (or only up to the migration `target`)."""
    TEMPLATE_DIR.mkdir(parents=True, exist_ok=True)
    name = f"sqlite-{SCHEMA}" + (f"-{target}" if target else "")
    path = TEMPLATE_DIR / f"{name}.sqlite3"
    if path.exists():
        return path
    with open(TEMPLATE_DIR / f"{name}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Another worker is migrating it: migrate PostgreSQL's meanwhile.
            if target is None:
                _prepare_postgres()
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = path.with_name(f"{path.stem}.{os.getpid()}.building")
            for leftover in TEMPLATE_DIR.glob(f"{building.name}*"):
                leftover.unlink()
            run_in_thread(lambda: _migrate_sqlite(f"sqlite://{building}", target))
            if list(TEMPLATE_DIR.glob(f"{building.name}-*")):
                raise RuntimeError(f"{building} was left with a journal beside it")
            os.replace(building, path)
    return path


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """A database file with every migration applied, copied for each test."""
    return _build_sqlite_template()


def migrated_sqlite(path: Path, *, target: str | None = None) -> str:
    """A copy of the migrated template at `path` (migrated up to the migration `target`
    only, if given); its URL. A `sauda migrate` on a full one finds every migration
    applied (~0.5 s, where migrating a new file takes ~20 s of CPU)."""
    shutil.copy(_build_sqlite_template(target), path)
    return f"sqlite://{path}"


# Settings a developer's shell may hold that would change what a `sauda` command does.
CLI_UNSET = (
    "ENV",
    "JWT_SECRET",
    "SECRETS_KEY",
    "CONTRACT_PREFIXES",
    "CONSULT_PORT",
    "ALLOW_PRIVATE_WEBHOOKS",
    "WHATSAPP_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Where a test's `sauda` commands run: `tmp_path` is the working directory, DATA_DIR
    is `tmp_path / "var"`, and DATABASE_URL a migrated SQLite file `tmp_path / "cli.sqlite3"`
    (remove it to start from no database)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite(tmp_path / "cli.sqlite3"))
    for name in CLI_UNSET:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _session_database_url(base: str) -> tuple[str, str]:
    name = f"sauda_test_{os.getpid()}"
    return base.rsplit("/", 1)[0] + "/" + name, name


async def _postgres_admin(base: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(base.replace("postgres://", "postgresql://"), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


POSTGRES_TEMPLATE = f"sauda_template_{SCHEMA}"


async def _postgres_template(base: str) -> str:
    """The migrated template database for this schema, built by the first session that
    needs it (the others wait on an advisory lock) and kept for later sessions. It is
    marked a template only once migrated, so a build cut short is rebuilt."""
    import asyncpg

    admin = await asyncpg.connect(base.replace("postgres://", "postgresql://"), timeout=5)
    lock = int(SCHEMA[:15], 16)
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", lock)
        try:
            ready = await admin.fetchval(
                "SELECT datistemplate FROM pg_database WHERE datname = $1", POSTGRES_TEMPLATE
            )
            if not ready:
                await admin.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_TEMPLATE}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{POSTGRES_TEMPLATE}"')
                await apply_migrations(base.rsplit("/", 1)[0] + "/" + POSTGRES_TEMPLATE)
                await admin.execute(f'ALTER DATABASE "{POSTGRES_TEMPLATE}" WITH IS_TEMPLATE true')
        finally:
            await admin.execute("SELECT pg_advisory_unlock($1)", lock)
    finally:
        await admin.close()
    return POSTGRES_TEMPLATE


async def _postgres_reset(base: str) -> str:
    url, name = _session_database_url(base)
    template = await _postgres_template(base)
    await _postgres_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _postgres_admin(base, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return url


_postgres_state: dict[str, Any] = {}


def _prepare_postgres() -> None:
    """This session's PostgreSQL database, made once; a failure is kept for the tests."""
    if "url" in _postgres_state or "error" in _postgres_state:
        return
    try:
        _postgres_state["url"] = run_in_thread(lambda: _postgres_reset(POSTGRES_URL))
    except Exception as error:
        _postgres_state["error"] = error


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    _prepare_postgres()
    if "error" in _postgres_state:
        _unavailable("PostgreSQL", _postgres_state["error"])
    return _postgres_state["url"]


def pytest_sessionfinish(session: pytest.Session) -> None:
    if "url" in _postgres_state:
        _, name = _session_database_url(POSTGRES_URL)
        with contextlib.suppress(Exception):  # a leftover test database is harmless
            run_in_thread(
                lambda: _postgres_admin(
                    POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                )
            )


# Empties every table but the migration log and restarts the sequences those tables own:
# what TRUNCATE ... RESTART IDENTITY CASCADE does, in ~15 ms instead of ~1.5 s (TRUNCATE
# gives each of ~40 tables and their indexes new files, on every test). The foreign keys'
# triggers are off while the rows go (session_replication_role, for this transaction only),
# so the order of the tables does not matter; it needs a superuser, else TRUNCATE is used.
EMPTY_POSTGRES = """
DO $$
DECLARE
  row record;
BEGIN
  PERFORM set_config('session_replication_role', 'replica', true);
  FOR row IN SELECT tablename FROM pg_tables
             WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations' LOOP
    EXECUTE format('DELETE FROM %I', row.tablename);
  END LOOP;
  FOR row IN SELECT sequence.oid::regclass AS name, pg_sequence.seqstart AS start
             FROM pg_class sequence
             JOIN pg_sequence ON pg_sequence.seqrelid = sequence.oid
             JOIN pg_depend ON pg_depend.objid = sequence.oid AND pg_depend.deptype IN ('a', 'i')
             JOIN pg_class owner ON owner.oid = pg_depend.refobjid
             JOIN pg_namespace ON pg_namespace.oid = owner.relnamespace
             WHERE sequence.relkind = 'S' AND pg_namespace.nspname = 'public'
               AND owner.relname <> 'tortoise_migrations' LOOP
    PERFORM setval(row.name, row.start, false);
  END LOOP;
END $$;
"""


async def _truncate_postgres() -> None:
    from tortoise import Tortoise

    connection = Tortoise.get_connection("default")
    _, superuser = await connection.execute_query(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    )
    if superuser and superuser[0]["rolsuper"]:
        await connection.execute_script(EMPTY_POSTGRES)
        return
    _, rows = await connection.execute_query(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tortoise_migrations'"
    )
    names = ", ".join(f'"{row["tablename"]}"' for row in rows)
    if names:
        await connection.execute_script(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


async def open_database(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    # Tortoise caches insert SQL per connection *name*; one test process switching
    # between SQLite and PostgreSQL under the name "default" must drop that cache.
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()
    if kind == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "sauda.sqlite3"
        shutil.copy(template, path)
        url = f"sqlite://{path}"
        await init_db(url)
    else:
        url = request.getfixturevalue("postgres_migrated")
        await init_db(url)
        await _truncate_postgres()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty, migrated database; yields its URL."""
    url = await open_database(request.param, request, tmp_path)
    yield url
    await close_db()


# --- key-value store ----------------------------------------------------------------


async def open_kv(kind: str) -> Any:
    if kind == "memory":
        from core.kv import create_kv

        return create_kv("")  # the in-process store the app runs on without REDIS_URL
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await client.ping()
        await client.flushdb()
    except Exception as error:
        await client.aclose()
        _unavailable("Redis", error)
    return client


async def close_kv(kv: Any) -> None:
    if hasattr(kv, "flushdb") and not type(kv).__module__.startswith("fakeredis"):
        await kv.flushdb()
    await kv.aclose()


@pytest.fixture(params=["memory", "redis"])
async def kv(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    store = await open_kv(request.param)
    yield store
    await close_kv(store)


@pytest.fixture(autouse=True)
def _fresh_process_stores() -> Any:
    """core.auth.access and core.tracking keep the store the last runtime configured; no
    test sees the previous test's (its ids are reused by the next database, and its
    client belongs to a closed event loop)."""
    from core import tracking
    from core.auth import access

    access.reset()
    tracking.reset()
    yield
    access.reset()
    tracking.reset()


# --- the whole stack ---------------------------------------------------------------------

STACKS = {"embedded": ("sqlite", "memory"), "real": ("postgres", "redis")}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(params=list(STACKS))
async def stack(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    """SQLite + in-process store, and PostgreSQL + Redis: what users run."""
    database, store = STACKS[request.param]
    url = await open_database(database, request, tmp_path)
    kv_store = await open_kv(store)
    yield url, kv_store
    await close_kv(kv_store)
    await close_db()


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "var",
        "database_url": database_url,
        "jwt_secret": JWT_SECRET,
        "otp_delivery": "debug",
        "telegram_bot_token": "",
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for `runtime`."""
    return {}


@pytest.fixture
async def runtime(
    stack: tuple[str, Any], tmp_path: Path, clock: FrozenClock, settings_overrides: dict[str, Any]
) -> Runtime:
    from sauda.wiring import build_runtime

    url, kv_store = stack
    settings = make_settings(tmp_path, url, **settings_overrides)
    return build_runtime(settings, clock=clock, kv=kv_store)


ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def serve_apps(
    runtime: Runtime,
) -> AsyncIterator[Callable[[], Awaitable[dict[int, TestClient]]]]:
    """Start every port's application on a real loopback port; map home port -> client."""
    from api.app import create_apps

    clients: list[TestClient] = []

    async def start() -> dict[int, TestClient]:
        result: dict[int, TestClient] = {}
        for port, app in create_apps(runtime).items():
            client = TestClient(TestServer(app, host="127.0.0.1"))
            await client.start_server()
            clients.append(client)
            result[port] = client
        return result

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
async def api(
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]], runtime: Runtime
) -> TestClient:
    """A real HTTP client for the API port (shop, commerce, erp)."""
    clients = await serve_apps()
    return clients[runtime.settings.api_port]
