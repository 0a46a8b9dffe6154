"""Typed keys for what the aiohttp applications carry."""

from __future__ import annotations

from aiohttp import web

from core.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
