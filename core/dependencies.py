"""Which outside dependency a low-level error means, in one place.

A request that fails because PostgreSQL or Redis is down (refused, reset, shutting
down, timed out) is not a bug in the request: every transport answers it as
`core.errors.Unavailable` (a 503 with Retry-After on HTTP), never as a 500, and never by
skipping the check that needed the dependency. Nothing is cached about the outage: the
next request tries again, so recovery needs no restart.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

import asyncpg
import redis.exceptions
from tortoise.exceptions import DBConnectionError

from core.errors import Unavailable

DATABASE = "database"
REDIS = "redis"
RETRY_AFTER_SECONDS = 5

_DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # refused, reset, closed mid-query
    asyncpg.CannotConnectNowError,  # starting up / shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    DBConnectionError,
)
_REDIS_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,  # includes BusyLoadingError
    redis.exceptions.TimeoutError,
)
# Plain socket errors count only when they come from a database driver's code.
_SOCKET_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)
_DATABASE_MODULES = ("asyncpg", "tortoise", "aiosqlite")


def _raised_in_database_driver(tb: TracebackType | None) -> bool:
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.split(".", 1)[0] in _DATABASE_MODULES:
            return True
        tb = tb.tb_next
    return False


def _one(error: BaseException) -> str | None:
    if isinstance(error, _REDIS_ERRORS):
        return REDIS
    if isinstance(error, _DATABASE_ERRORS):
        return DATABASE
    if isinstance(error, asyncpg.InterfaceError) and "closed" in str(error):
        return DATABASE
    if isinstance(error, (*_SOCKET_ERRORS, asyncio.TimeoutError)) and _raised_in_database_driver(
        error.__traceback__
    ):
        return DATABASE
    return None


def unavailable_from(error: BaseException) -> Unavailable | None:
    """The Unavailable that `error` (or an error it was raised from) means, else None."""
    if isinstance(error, Unavailable):
        return error
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        dependency = _one(current)
        if dependency is not None:
            return Unavailable(dependency, retry_after=RETRY_AFTER_SECONDS)
        current = current.__cause__ or current.__context__
    return None


def log_failure(logger: logging.Logger, error: BaseException, message: str, *args: object) -> None:
    """Log a failure that the caller carries on after (a job, a bot update, a lock
    renewal): a down dependency is one warning line naming it (an outage is no bug, and
    a traceback per attempt buries the log), anything else the full traceback."""
    outage = unavailable_from(error)
    if outage is not None:
        logger.warning(message + ": %s is unavailable (%r)", *args, outage.dependency, error)
    else:
        logger.error(message, *args, exc_info=error)
