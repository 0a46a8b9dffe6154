"""Swagger UI at /swagger/ and ReDoc at /redoc/, where the erp document says they are
(the port's /docs and /redoc serve the same pages)."""

from __future__ import annotations

from aiohttp import web

from api.erp import contract
from api.openapi import OPENAPI_KEY, REDOC_PAGE, SWAGGER_PAGE


def _title(request: web.Request) -> str:
    return request.app[OPENAPI_KEY].title


@contract.get("/swagger/", root=True, include_in_schema=False, rate_limit=False)
async def swagger(request: web.Request) -> web.Response:
    """Swagger UI."""
    return web.Response(text=SWAGGER_PAGE.format(title=_title(request)), content_type="text/html")


@contract.get("/redoc/", root=True, include_in_schema=False, rate_limit=False)
async def redoc(request: web.Request) -> web.Response:
    """ReDoc."""
    return web.Response(text=REDOC_PAGE.format(title=_title(request)), content_type="text/html")
