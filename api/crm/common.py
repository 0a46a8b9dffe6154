"""What every crm handler needs besides its body: the caller's shop, its timezone, the
actor for history rows, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from api.keys import RUNTIME
from core.actors import Actor
from core.auth.tokens import Principal
from core.clock import Clock
from core.dialects.crm import shop_zone


@dataclass(frozen=True)
class Caller:
    shop_id: int
    zone: ZoneInfo
    actor: Actor
    clock: Clock


async def caller(request: web.Request, principal: Principal) -> Caller:
    runtime = request.config_dict[RUNTIME]
    return Caller(
        shop_id=principal.shop_id,
        zone=await shop_zone(principal.shop_id),
        actor=Actor(user_id=principal.user_id, label=principal.label, role=principal.role),
        clock=runtime.clock,
    )


def collection(route: Callable[..., Any], path: str, **options: Any) -> Callable[[Any], Any]:
    """Register a collection endpoint at `path/` (documented) and `path` (also used)."""

    def register(handler: Any) -> Any:
        route(path + "/", **options)(handler)
        route(path, include_in_schema=False, **options)(handler)
        return handler

    return register
