"""Statistics (Статистика): the dashboard and sales per day (queries in core.stats)."""

from __future__ import annotations

from aiohttp import web

from api.crm import contract
from api.crm.common import caller
from api.crm.schemas import DashboardStats, SalesQuery, SalesStats
from core import stats
from core.auth.tokens import Principal
from core.dialects import crm

TAGS = ("Statistics",)


@contract.get("/stats/dashboard", response=DashboardStats, tags=TAGS)
async def dashboard(request: web.Request, *, principal: Principal) -> DashboardStats:
    """Получить статистику для дашборда"""
    who = await caller(request, principal)
    board = await stats.dashboard(
        shop_id=who.shop_id, now=who.clock.now(), status_word=crm.status_word
    )
    return DashboardStats.of(board)


@contract.get(
    "/stats/sales",
    response=SalesStats,
    tags=TAGS,
    responses={400: "date_from is after date_to, or the period exceeds 366 days"},
)
async def sales(request: web.Request, *, query: SalesQuery, principal: Principal) -> SalesStats:
    """Получить статистику продаж (per day, between date_from and date_to)"""
    who = await caller(request, principal)
    result = await stats.sales_by_day(
        shop_id=who.shop_id, now=who.clock.now(), date_from=query.date_from, date_to=query.date_to
    )
    return SalesStats.of(result)
