"""Health: the database and the key-value store, 503 (with Retry-After) when either is
down; the body names which ("down")."""

from __future__ import annotations

from collections.abc import Collection

from aiohttp import web

from api.keys import RUNTIME
from core.db import database_alive
from core.dependencies import RETRY_AFTER_SECONDS
from core.kv import ping


async def health(request: web.Request) -> web.Response:
    runtime = request.config_dict[RUNTIME]
    database = await database_alive()
    kv = await ping(runtime.kv)
    ok = database and kv
    response = web.json_response(
        {
            "status": "ok" if ok else "unavailable",
            "database": "ok" if database else "down",
            "redis": "ok" if kv else "down",
            "redis_mode": "redis" if runtime.settings.redis_url else "in-process",
        },
        status=200 if ok else 503,
    )
    if not ok:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def setup_health(app: web.Application, *, claimed: Collection[str] = ()) -> None:
    """Serve health at /health and /api/health, except where a contract serves its own
    (crm documents GET /health)."""
    for path in ("/health", "/api/health"):
        if path not in claimed:
            app.router.add_get(path, health)
