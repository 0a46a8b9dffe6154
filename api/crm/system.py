"""System endpoints at the port's root: `GET /` (what this API is) and `GET /health`
(the house health check: database and key-value store, 503 when either is down)."""

from __future__ import annotations

from aiohttp import web

from api.crm import contract
from api.crm.schemas import ApiInfo, HealthStatus
from api.health import health as house_health

TAGS = ("System",)


@contract.get("/", root=True, response=ApiInfo, tags=TAGS)
async def root(request: web.Request) -> ApiInfo:
    """Root endpoint"""
    return ApiInfo(
        name=contract.title,
        version=contract.version,
        description=contract.description,
        docs="/docs",
        redoc="/redoc",
        openapi="/openapi.json",
        health="/health",
    )


@contract.get(
    "/health",
    root=True,
    response=HealthStatus,
    tags=TAGS,
    responses={503: "Unavailable"},
    # Like the house's /health: not limited, so it can say that the store (which keeps
    # the limits) is down rather than answer 503 for it.
    rate_limit=False,
)
async def health(request: web.Request) -> web.Response:
    """Health check"""
    return await house_health(request)
