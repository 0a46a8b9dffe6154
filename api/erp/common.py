"""What every erp endpoint shares: money and quantity types, the success envelope, DRF-
style pages, the caller's roles, and the error dialect."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer

from api.errors import CODES, ErrorDialect, Problem
from core.auth.tokens import Principal
from core.models import Role, Shop
from core.shops import member_roles
from core.shoptime import shop_today


def _whole_money(value: Any) -> Any:
    """150000, "150000" and "150000.00" are the same whole amount; 150000.5 is refused."""
    if isinstance(value, bool):
        raise ValueError("must be an amount")
    if isinstance(value, int):
        return value
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("must be an amount") from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise ValueError("must be a whole amount (no fractions of the currency)")
    return int(amount)


MoneyIn = Annotated[int, BeforeValidator(_whole_money), Field(ge=0, le=10**13)]


def money(amount: int | Decimal | None) -> str | None:
    """Money as this contract writes it: "150000.00"."""
    if amount is None:
        return None
    return f"{Decimal(amount):.2f}"


def quantity(value: Decimal | int | None) -> str | None:
    """Quantities as "120.000"."""
    if value is None:
        return None
    return f"{Decimal(value):.3f}"


Money = Annotated[int, PlainSerializer(lambda v: money(v), return_type=str)]
Quantity = Annotated[Decimal, PlainSerializer(lambda v: quantity(v), return_type=str)]


def _quantity_in(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    return value


QuantityIn = Annotated[
    Decimal, BeforeValidator(_quantity_in), Field(gt=0, le=1_000_000, decimal_places=3)
]


def envelope(message: str, data: Any) -> dict[str, Any]:
    return {"status": "success", "message": message, "data": data}


class PageQuery(BaseModel):
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=500)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def page(items: list[Any], total: int, query: PageQuery, path: str) -> dict[str, Any]:
    """A DRF page: count, next, previous (relative links) and results."""

    def link(n: int) -> str:
        return f"{path}?page={n}&page_size={query.page_size}"

    more = query.offset + len(items) < total
    return {
        "count": total,
        "next": link(query.page + 1) if more else None,
        "previous": link(query.page - 1) if query.page > 1 else None,
        "results": items,
    }


async def roles_of(principal: Principal) -> set[Role]:
    """Every role the caller holds in the shop now (an API key: its own role)."""
    if principal.user_id is None:
        return {principal.role}
    return await member_roles(shop_id=principal.shop_id, user_id=principal.user_id) or {
        principal.role
    }


async def shop_of(principal: Principal) -> Shop:
    return await Shop.get(id=principal.shop_id)


def default_period(
    shop: Shop, now: datetime, start: date | None, end: date | None, days: int = 30
) -> tuple[date, date]:
    end = end or shop_today(shop, now)
    start = start or end - timedelta(days=days)
    return start, end


def _field_name(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "non_field_errors"


def erp_error_body(problem: Problem) -> dict[str, Any]:
    """{"status": "error", "message": ..., "code": ..., "errors": {field: [messages]}}."""
    body: dict[str, Any] = {"status": "error", "code": problem.code}
    if isinstance(problem.detail, list):
        errors: dict[str, list[str]] = {}
        for item in problem.detail:
            errors.setdefault(_field_name(list(item.get("loc", []))), []).append(str(item["msg"]))
        body["code"] = CODES[400] if problem.status == 400 else problem.code
        body["message"] = "Validation failed"
        body["errors"] = errors
    else:
        body["message"] = str(problem.detail)
        body["errors"] = {}
    body.update(problem.extra)
    return body


ERP_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "code": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["status", "code", "message", "errors"],
}

ERP_ERRORS = ErrorDialect(
    body=erp_error_body,
    validation_status=400,
    status_map={409: 400, 422: 400},
    schema_name="ErpError",
    schema=ERP_ERROR_SCHEMA,
    validation_schema_name="ErpError",
    validation_schema=ERP_ERROR_SCHEMA,
)
