"""erp analytics: /api/analytics/daily-sales/, product-performance/, customer-analytics/,
inventory-snapshots/ (rules in core.analytics)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from api.erp import contract
from api.erp.common import default_period, money, quantity, shop_of
from api.erp.products import product_out
from api.keys import RUNTIME
from core import analytics
from core.auth.tokens import Principal
from core.cashdesk.goods import Goods
from core.shoptime import shop_today


class PeriodQuery(BaseModel):
    start_date: date | None = None
    end_date: date | None = None


class RequiredPeriod(BaseModel):
    start_date: date
    end_date: date


class TrendQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=analytics.MAX_DAYS)


class TopQuery(PeriodQuery):
    limit: int = Field(default=10, ge=1, le=100)
    order_by: Literal["revenue", "quantity", "profit"] = "revenue"


class SlowQuery(BaseModel):
    days: int = Field(default=30, ge=1, le=analytics.MAX_DAYS)
    limit: int = Field(default=20, ge=1, le=100)


class SnapshotQuery(BaseModel):
    day: date | None = Field(default=None, alias="date")


def _now(request: web.Request) -> Any:
    return request.config_dict[RUNTIME].clock.now()


def day_out(day: analytics.DaySales) -> dict[str, Any]:
    return {
        "id": int(day.day.strftime("%Y%m%d")),
        "date": day.day.isoformat(),
        "total_sales": money(day.total_sales),
        "total_sales_count": day.total_sales_count,
        "avg_sale_amount": f"{day.avg_sale_amount:.2f}",
        "total_discount": money(day.total_discount),
        "total_tax": money(day.total_tax),
        "total_refunds": money(day.total_refunds),
        "total_items_sold": quantity(day.total_items_sold),
        "unique_customers": day.unique_customers,
        "orders_count": day.orders_count,
        "orders_total": money(day.orders_total),
    }


@contract.get("/analytics/daily-sales/", tags=("analytics",))
async def daily_list(
    request: web.Request, *, query: PeriodQuery, principal: Principal
) -> list[dict[str, Any]]:
    """Daily reports of a period (default the last 30 days), newest first."""
    shop = await shop_of(principal)
    start, end = default_period(shop, _now(request), query.start_date, query.end_date, days=29)
    days = await analytics.daily_sales(shop, start, end)
    return [day_out(d) for d in reversed(days)]


@contract.get("/analytics/daily-sales/today/", tags=("analytics",))
async def daily_today(request: web.Request, *, principal: Principal) -> dict[str, Any]:
    """Today's figures, live."""
    shop = await shop_of(principal)
    today = shop_today(shop, _now(request))
    [day] = await analytics.daily_sales(shop, today, today)
    return day_out(day)


@contract.get("/analytics/daily-sales/period/", tags=("analytics",))
async def daily_period(
    request: web.Request, *, query: RequiredPeriod, principal: Principal
) -> dict[str, Any]:
    """Totals and daily reports from start_date to end_date (inclusive)."""
    shop = await shop_of(principal)
    days = await analytics.daily_sales(shop, query.start_date, query.end_date)
    total = sum(d.total_sales for d in days)
    count = sum(d.total_sales_count for d in days)
    return {
        "period": {
            "start_date": query.start_date.isoformat(),
            "end_date": query.end_date.isoformat(),
            "days": len(days),
        },
        "totals": {
            "total_sales": money(total),
            "total_count": count,
            "avg_sale": f"{(total / count if count else 0):.2f}",
            "total_refunds": money(sum(d.total_refunds for d in days)),
            "orders_count": sum(d.orders_count for d in days),
            "orders_total": money(sum(d.orders_total for d in days)),
        },
        "daily_reports": [day_out(d) for d in days],
    }


@contract.get("/analytics/daily-sales/trends/", tags=("analytics",))
async def daily_trends(
    request: web.Request, *, query: TrendQuery, principal: Principal
) -> dict[str, Any]:
    """Sales per day over the last `days` days, oldest first."""
    shop = await shop_of(principal)
    end = shop_today(shop, _now(request))
    start = end - timedelta(days=query.days - 1)
    days = await analytics.daily_sales(shop, start, end)
    return {
        "days": query.days,
        "trends": [
            {
                "date": d.day.isoformat(),
                "total_sales": money(d.total_sales),
                "total_sales_count": d.total_sales_count,
                "avg_sale_amount": f"{d.avg_sale_amount:.2f}",
            }
            for d in days
        ],
    }


@contract.get("/analytics/product-performance/top-products/", tags=("analytics",))
async def top_products(
    request: web.Request, *, query: TopQuery, principal: Principal
) -> dict[str, Any]:
    """Best products of a period by revenue, quantity or profit."""
    shop = await shop_of(principal)
    start, end = default_period(shop, _now(request), query.start_date, query.end_date)
    rows = await analytics.top_products(
        shop, start, end, limit=query.limit, order_by=query.order_by
    )
    return {
        "period": {"start_date": start.isoformat(), "end_date": end.isoformat()},
        "top_products": [
            {
                "product_id": f.product_id,
                "product_name": f.name,
                "product_code": f.code,
                "total_revenue": money(f.revenue),
                "total_quantity": quantity(f.quantity),
                "total_profit": money(f.profit),
                "sales_count": len(f.sales),
            }
            for f in rows
        ],
    }


@contract.get("/analytics/product-performance/slow-movers/", tags=("analytics",))
async def slow_movers(
    request: web.Request, *, query: SlowQuery, principal: Principal
) -> dict[str, Any]:
    """Active products that sold least over the last `days` days."""
    shop = await shop_of(principal)
    today = shop_today(shop, _now(request))
    rows = await analytics.slow_movers(shop, days=query.days, today=today, limit=query.limit)
    return {
        "days": query.days,
        "slow_movers": [
            {
                "product_id": r.product.id,
                "product_name": r.product.name,
                "product_code": r.product.sku,
                "total_quantity": quantity(r.quantity_sold),
                "total_revenue": money(r.revenue),
                "quantity_on_hand": quantity(r.on_hand),
            }
            for r in rows
        ],
    }


def _period(shop: Any, request: web.Request, query: PeriodQuery) -> tuple[date, date]:
    return default_period(shop, _now(request), query.start_date, query.end_date)


def score_out(score: analytics.CustomerScore) -> dict[str, Any]:
    return {
        "customer_id": score.customer.id,
        "customer_name": score.customer.name,
        "phone": score.customer.phone,
        "segment": score.segment,
        "recency_score": score.r,
        "frequency_score": score.f,
        "monetary_score": score.m,
        "rfm_score": f"{score.r}{score.f}{score.m}",
        "last_purchase_date": score.last_purchase.isoformat(),
        "days_since_last_purchase": score.recency_days,
        "purchase_count": score.frequency,
        "total_spent": money(score.monetary),
    }


@contract.get("/analytics/customer-analytics/segments/", tags=("analytics",))
async def segments(
    request: web.Request, *, query: PeriodQuery, principal: Principal
) -> dict[str, Any]:
    """Customers by RFM segment over a period (default the last 30 days)."""
    shop = await shop_of(principal)
    start, end = _period(shop, request, query)
    scores = await analytics.rfm_scores(shop, start, end)
    out = []
    for name in analytics.SEGMENTS:
        members = [s for s in scores if s.segment == name]
        spent = sum(s.monetary for s in members)
        purchases = sum(s.frequency for s in members)
        out.append(
            {
                "segment": name,
                "count": len(members),
                "total_spent": money(spent),
                "avg_purchase": f"{(spent / purchases if purchases else 0):.2f}",
            }
        )
    return {
        "period": {"period_start": start.isoformat(), "period_end": end.isoformat()},
        "segments": out,
        "customers": [score_out(s) for s in scores],
    }


@contract.get("/analytics/customer-analytics/at-risk/", tags=("analytics",))
async def at_risk(
    request: web.Request, *, query: PeriodQuery, principal: Principal
) -> dict[str, Any]:
    """Customers who may leave: At Risk, Can't Lose Them, Hibernating, Lost."""
    shop = await shop_of(principal)
    start, end = _period(shop, request, query)
    scores = [
        s
        for s in await analytics.rfm_scores(shop, start, end)
        if s.segment in analytics.AT_RISK_SEGMENTS
    ]
    scores.sort(key=lambda s: (-s.monetary, s.customer.id))
    return {
        "period": {"period_start": start.isoformat(), "period_end": end.isoformat()},
        "count": len(scores),
        "customers": [score_out(s) for s in scores],
    }


def stock_out(line: analytics.StockLine) -> dict[str, Any]:
    return {
        "id": line.stock_item_id,
        "product": product_out(
            Goods(
                product=line.product,
                on_hand=line.quantity_on_hand,
                min_stock=line.min_quantity,
                category=None,
            )
        ),
        "quantity_on_hand": quantity(line.quantity_on_hand),
        "reserved_quantity": quantity(line.reserved_quantity),
        "available_quantity": quantity(line.available_quantity),
        "min_quantity": quantity(line.min_quantity),
        "days_of_stock": line.days_of_stock,
        "is_low_stock": line.is_low_stock,
    }


async def _stock(
    request: web.Request, principal: Principal, day: date | None
) -> tuple[date, list[analytics.StockLine]]:
    shop = await shop_of(principal)
    return await analytics.stock_lines(shop, now=_now(request), day=day)


@contract.get("/analytics/inventory-snapshots/latest/", tags=("analytics",))
async def latest(
    request: web.Request, *, query: SnapshotQuery, principal: Principal
) -> dict[str, Any]:
    """Every product's stock today (live), or on a past `date` (its snapshot)."""
    day, lines = await _stock(request, principal, query.day)
    return {"date": day.isoformat(), "count": len(lines), "products": [stock_out(x) for x in lines]}


@contract.get("/analytics/inventory-snapshots/low-stock-alerts/", tags=("analytics",))
async def low_stock_alerts(
    request: web.Request, *, query: SnapshotQuery, principal: Principal
) -> dict[str, Any]:
    """Products at or below their minimum, with days of stock left at the sales pace."""
    day, lines = await _stock(request, principal, query.day)
    low = [x for x in lines if x.is_low_stock and x.product.is_active]
    return {"date": day.isoformat(), "count": len(low), "products": [stock_out(x) for x in low]}


@contract.get("/analytics/inventory-snapshots/out-of-stock/", tags=("analytics",))
async def out_of_stock(
    request: web.Request, *, query: SnapshotQuery, principal: Principal
) -> dict[str, Any]:
    """Products with nothing available."""
    day, lines = await _stock(request, principal, query.day)
    out = [x for x in lines if x.is_out_of_stock and x.product.is_active]
    return {"date": day.isoformat(), "count": len(out), "products": [stock_out(x) for x in out]}
