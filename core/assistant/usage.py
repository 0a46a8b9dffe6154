"""What assistant calls cost: the price table, one AiUsage row per call, the period's
figures (the commerce contract's usage endpoint) and a shop's daily budget.

Prices are USD per million tokens (input, output), as Google lists them for the Gemini
API's paid tier; a model not in the table is priced as the default Flash model, so an
unknown name never makes calls look free. The offline assistant costs nothing.

A shop's budget is `settings["assistant"]["daily_tokens"]` and/or `["daily_usd"]`,
counted over the shop's calendar day; once spent, replies come from offline (fallback
reason `budget`) until the next day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.assistant.base import OFFLINE
from core.models import AiUsage, Shop
from core.shoptime import day_bounds, shop_today

DEFAULT_MODEL = "gemini-2.5-flash"
MILLION = Decimal(1_000_000)
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gemini-2.5-flash": (Decimal("0.30"), Decimal("2.50")),
    "gemini-2.5-flash-lite": (Decimal("0.10"), Decimal("0.40")),
    "gemini-2.5-pro": (Decimal("1.25"), Decimal("10.00")),
    "gemini-2.0-flash": (Decimal("0.10"), Decimal("0.40")),
    "gemini-2.0-flash-lite": (Decimal("0.075"), Decimal("0.30")),
    "gemini-1.5-flash": (Decimal("0.075"), Decimal("0.30")),
    "gemini-1.5-pro-latest": (Decimal("1.25"), Decimal("5.00")),
    "gemini-1.5-pro": (Decimal("1.25"), Decimal("5.00")),
}
COST_PLACES = Decimal("0.00000001")


def cost_of(model: str, tokens_in: int, tokens_out: int) -> Decimal:
    """USD for a call's tokens, to 8 places (offline: 0)."""
    if model == OFFLINE or (tokens_in == 0 and tokens_out == 0):
        return Decimal(0)
    price_in, price_out = PRICES.get(model.removeprefix("models/"), PRICES[DEFAULT_MODEL])
    cost = (price_in * tokens_in + price_out * tokens_out) / MILLION
    return cost.quantize(COST_PLACES, rounding=ROUND_HALF_UP)


async def record(
    *,
    shop_id: int,
    feature: str,
    model: str,
    tokens_in: int,
    tokens_out: int,
    latency_ms: int,
    tool_calls: int,
    fallback_reason: str | None,
) -> AiUsage:
    return await AiUsage.create(
        shop_id=shop_id,
        feature=feature,
        model=model,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        cost_usd=cost_of(model, tokens_in, tokens_out),
        latency_ms=latency_ms,
        tool_calls=tool_calls,
        fallback=fallback_reason is not None,
        fallback_reason=fallback_reason,
    )


@dataclass(frozen=True)
class UsageFigures:
    days: int
    calls: int
    tokens: int
    cost_usd: Decimal
    fallbacks: int

    @property
    def average_cost(self) -> Decimal:
        if not self.calls:
            return Decimal(0)
        return (self.cost_usd / self.calls).quantize(COST_PLACES, rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


async def figures(*, shop_id: int, days: int, now: datetime) -> UsageFigures:
    """Calls, tokens and cost of the last `days` days (every call, offline included)."""
    return await figures_since(shop_id=shop_id, since=now - timedelta(days=days), days=days)


def assistant_settings(shop: Shop) -> dict[str, Any]:
    settings = shop.settings if isinstance(shop.settings, dict) else {}
    value = settings.get("assistant")
    return value if isinstance(value, dict) else {}


async def budget_spent(*, shop: Shop, now: datetime) -> bool:
    """Whether today's (shop time) tokens or cost reached the shop's daily budget."""
    config = assistant_settings(shop)
    tokens_limit, usd_limit = config.get("daily_tokens"), config.get("daily_usd")
    if not tokens_limit and not usd_limit:
        return False
    start, _end = day_bounds(shop, shop_today(shop, now))
    today = await figures_since(shop_id=shop.id, since=start)
    if tokens_limit and today.tokens >= int(tokens_limit):
        return True
    return bool(usd_limit) and today.cost_usd >= Decimal(str(usd_limit))


async def figures_since(*, shop_id: int, since: datetime, days: int = 1) -> UsageFigures:
    tokens = fallbacks = 0
    cost = Decimal(0)
    rows = await AiUsage.filter(shop_id=shop_id, created_at__gte=since).values_list(
        "tokens_in", "tokens_out", "cost_usd", "fallback"
    )
    for row_in, row_out, row_cost, fell_back in rows:
        tokens += int(row_in) + int(row_out)
        cost += _decimal(row_cost)
        fallbacks += bool(fell_back)
    return UsageFigures(
        days=days,
        calls=len(rows),
        tokens=tokens,
        cost_usd=cost.quantize(COST_PLACES),
        fallbacks=fallbacks,
    )
