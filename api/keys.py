"""Typed keys for what the aiohttp applications carry."""

from __future__ import annotations

from aiohttp import web

from core.auth.tokens import Account, Principal
from core.ratelimit import Quota
from core.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)

REQUEST_ID = web.RequestKey("request_id", str)
PRINCIPAL = web.RequestKey("principal", Principal)
ACCOUNT = web.RequestKey("account", Account)
QUOTA = web.RequestKey("quota", Quota)
