"""erp cash desk: shifts (/api/sales/sessions/...) and sales (/api/sales/sales/...)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, model_validator

from api.erp import contract
from api.erp.common import (
    MoneyIn,
    PageQuery,
    QuantityIn,
    envelope,
    money,
    page,
    quantity,
    roles_of,
    shop_of,
)
from api.keys import RUNTIME
from api.routing import RowId
from core.auth.tokens import Principal
from core.cashdesk import sales, shifts
from core.cashdesk.sales import SaleView, line_worth
from core.errors import NotFound
from core.models import CashSession, PaymentMethod, SaleStatus
from core.shoptime import day_bounds, shop_today
from core.tenancy import get_owned


class OpenIn(BaseModel):
    opening_balance: MoneyIn = 0
    till: str = Field(default=shifts.DEFAULT_TILL, min_length=1, max_length=64)


class CloseIn(BaseModel):
    actual_cash: MoneyIn


class CurrentShiftQuery(BaseModel):
    till: str | None = Field(default=None, max_length=64)


class ItemIn(BaseModel):
    product: int | None = None
    barcode: str | None = Field(default=None, min_length=1, max_length=64)
    quantity: QuantityIn = Decimal(1)
    batch: int | None = None
    discount: MoneyIn = 0

    @model_validator(mode="after")
    def _named(self) -> ItemIn:
        if self.product is None and self.barcode is None:
            raise ValueError("Give a product id (product) or a barcode")
        return self

    def ref(self) -> sales.ProductRef:
        return sales.ProductRef(product_id=self.product, barcode=self.barcode)


class ScanIn(ItemIn):
    session: int


class RemoveIn(BaseModel):
    item_id: int


class PaymentBody(BaseModel):
    payment_method: PaymentMethod
    amount: MoneyIn
    received_amount: MoneyIn | None = None
    card_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    transaction_id: str | None = Field(default=None, max_length=100)
    provider: Literal["uzcard", "humo", "kaspi", "payme", "click", "other"] | None = None


class CheckoutIn(BaseModel):
    payments: list[PaymentBody] = Field(min_length=1, max_length=10)
    customer: int | None = None
    customer_phone: str | None = Field(default=None, max_length=32)


class RefundLineIn(BaseModel):
    item_id: int
    quantity: QuantityIn


class RefundIn(BaseModel):
    items: list[RefundLineIn] | None = Field(default=None, max_length=200)
    reason: str = Field(default="", max_length=500)


class CancelIn(BaseModel):
    reason: str = Field(default="", max_length=500)


class CurrentSaleQuery(BaseModel):
    session: RowId


class SaleQuery(PageQuery):
    status: SaleStatus | None = None
    session: RowId | None = None
    search: str | None = Field(default=None, max_length=100)


def session_out(session: CashSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "cashier": session.cashier_id,  # type: ignore[attr-defined]
        "till": session.till,
        "status": session.status.value,
        "opening_balance": money(session.opening_balance),
        "expected_cash": money(session.expected_cash),
        "actual_cash": money(session.actual_cash),
        "cash_difference": (
            money(int(session.actual_cash) - int(session.expected_cash))
            if session.actual_cash is not None and session.expected_cash is not None
            else None
        ),
        "opened_at": session.opened_at.isoformat(),
        "closed_at": session.closed_at.isoformat() if session.closed_at else None,
    }


def report_out(report: shifts.ShiftReport) -> dict[str, Any]:
    return {
        "session": session_out(report.session),
        "sales_count": report.sales_count,
        "total_sales": money(report.sales_total),
        "by_payment_method": {
            method: {"count": t.count, "amount": money(t.amount)}
            for method, t in report.by_method.items()
        },
        "cash_received": money(report.cash_received),
        "change_given": money(report.change_given),
        "refunds_count": report.refunds_count,
        "total_refunds": money(report.refunds_total),
        "cash_refunds": money(report.refunds_cash),
        "cancellations_count": report.cancellations_count,
        "total_cancellations": money(report.cancellations_total),
        "cash_cancellations": money(report.cancellations_cash),
        "net_sales": money(report.net_total),
        "pending_count": report.pending_count,
        "opening_balance": money(report.session.opening_balance),
        "expected_cash": money(report.expected_cash),
        "actual_cash": money(report.actual_cash),
        "cash_difference": money(report.difference),
    }


def sale_out(view: SaleView) -> dict[str, Any]:
    s = view.sale
    return {
        "id": s.id,
        "receipt_number": s.receipt_number,
        "session": s.session_id,  # type: ignore[attr-defined]
        "cashier": s.cashier_id,  # type: ignore[attr-defined]
        "customer": s.customer_id,  # type: ignore[attr-defined]
        "customer_name": view.customer.name if view.customer else None,
        "customer_phone": view.customer.phone if view.customer else None,
        "status": s.status.value,
        "subtotal": money(s.subtotal),
        "discount_amount": money(s.discount_amount),
        "tax_amount": money(s.tax_amount),
        "total_amount": money(s.total_amount),
        "paid_amount": money(s.paid_amount),
        "change_amount": money(s.change_amount),
        "refunded_amount": money(s.refunded_amount),
        "items": [
            {
                "id": i.id,
                "product": i.product_id,  # type: ignore[attr-defined]
                "product_name": i.product_name,
                "product_sku": i.product_sku,
                "quantity": quantity(i.quantity),
                "refunded_quantity": quantity(i.refunded_quantity),
                "unit_price": money(i.unit_price),
                "discount_amount": money(i.discount_amount),
                "tax_rate": i.tax_rate,
                "total": money(i.line_total),
                "net_total": money(line_worth(i)),
            }
            for i in view.items
        ],
        "payments": [
            {
                "id": p.id,
                "payment_method": p.method.value,
                "amount": money(p.amount),
                "received_amount": money(p.received_amount),
                "change_amount": money(p.change_amount),
                "card_last4": p.card_last4,
                "transaction_id": p.transaction_id,
                "provider": p.provider,
            }
            for p in view.payments
        ],
        "refunds": [
            {
                "id": r.id,
                "kind": r.kind.value,
                "amount": money(r.amount),
                "by_payment_method": {m: money(a) for m, a in (r.by_method or {}).items()},
                "items": r.lines,
                "reason": r.reason,
                "created_at": r.created_at.isoformat(),
            }
            for r in view.refunds
        ],
        "created_at": s.created_at.isoformat(),
        "completed_at": s.completed_at.isoformat() if s.completed_at else None,
        "cancelled_at": s.cancelled_at.isoformat() if s.cancelled_at else None,
        "refunded_at": s.refunded_at.isoformat() if s.refunded_at else None,
    }


async def one_sale(sale: Any) -> dict[str, Any]:
    [view] = await sales.sale_views([sale])
    return sale_out(view)


def _now(request: web.Request) -> Any:
    return request.config_dict[RUNTIME].clock.now()


def _me(principal: Principal) -> int:
    if principal.user_id is None:
        raise NotFound("Cashier (an API key has no shift: sign in as a user)")
    return principal.user_id


# --- shifts ---------------------------------------------------------------------------


@contract.post("/sales/sessions/open/", status=201, tags=("sales",), idempotent=True)
async def open_session(
    request: web.Request, *, body: OpenIn, principal: Principal
) -> dict[str, Any]:
    """Open the caller's shift at a till (one open shift per cashier and till)."""
    session = await shifts.open_shift(
        shop_id=principal.shop_id,
        cashier_id=_me(principal),
        opening_balance=body.opening_balance,
        till=body.till,
        now=_now(request),
    )
    return envelope("Смена открыта", session_out(session))


@contract.get("/sales/sessions/current/", tags=("sales",), responses={404: "No shift is open"})
async def current_session(
    request: web.Request, *, query: CurrentShiftQuery, principal: Principal
) -> dict[str, Any]:
    """The caller's open shift."""
    session = await shifts.current_shift(
        shop_id=principal.shop_id, cashier_id=_me(principal), till=query.till
    )
    return envelope("Текущая смена", session_out(session))


@contract.post("/sales/sessions/{session_id}/close/", tags=("sales",))
async def close_session(
    request: web.Request, *, session_id: int, body: CloseIn, principal: Principal
) -> dict[str, Any]:
    """Close a shift with the cash counted; answers the closing report."""
    report = await shifts.close_shift(
        shop_id=principal.shop_id,
        session_id=session_id,
        user_id=principal.user_id,
        roles=await roles_of(principal),
        actual_cash=body.actual_cash,
        now=_now(request),
    )
    return envelope("Смена закрыта", report_out(report))


@contract.get("/sales/sessions/{session_id}/report/", tags=("sales",))
async def session_report(
    request: web.Request, *, session_id: int, principal: Principal
) -> dict[str, Any]:
    """The shift's report: sales by payment method, refunds, cancellations, cash."""
    report = await shifts.shift_report(shop_id=principal.shop_id, session_id=session_id)
    return envelope("Отчёт по смене", report_out(report))


@contract.get("/sales/sessions/", tags=("sales",))
async def list_sessions(
    request: web.Request, *, query: PageQuery, principal: Principal
) -> dict[str, Any]:
    """The store's shifts, newest first."""
    base = CashSession.filter(shop_id=principal.shop_id)
    total = await base.count()
    rows = await base.order_by("-id").offset(query.offset).limit(query.page_size)
    return page([session_out(s) for s in rows], total, query, request.path)


@contract.get("/sales/sessions/{session_id}/", tags=("sales",))
async def get_session(
    request: web.Request, *, session_id: int, principal: Principal
) -> dict[str, Any]:
    """One shift."""
    return session_out(
        await get_owned(CashSession, shop_id=principal.shop_id, id=session_id, what="Shift")
    )


# --- the till ---------------------------------------------------------------------------


@contract.post("/sales/sales/scan-item/", tags=("sales",), idempotent=True)
async def scan_item(request: web.Request, *, body: ScanIn, principal: Principal) -> dict[str, Any]:
    """Scan a product (id or barcode) into the shift's pending sale (made when none)."""
    sale = await sales.scan_item(
        shop_id=principal.shop_id,
        session_id=body.session,
        ref=body.ref(),
        quantity=body.quantity,
        discount=body.discount,
        user_id=principal.user_id,
        roles=await roles_of(principal),
        now=_now(request),
    )
    return envelope("Товар добавлен", await one_sale(sale))


@contract.get(
    "/sales/sales/current/", tags=("sales",), responses={404: "No sale is open in this shift"}
)
async def current_sale(
    request: web.Request, *, query: CurrentSaleQuery, principal: Principal
) -> dict[str, Any]:
    """The shift's pending sale (the draft on the till)."""
    sale = await sales.current_sale(shop_id=principal.shop_id, session_id=query.session)
    return envelope("Текущая продажа", await one_sale(sale))


@contract.get("/sales/sales/today/", tags=("sales",))
async def today_sales(
    request: web.Request, *, query: SaleQuery, principal: Principal
) -> dict[str, Any]:
    """Sales of the store's today."""
    shop = await shop_of(principal)
    since, until = day_bounds(shop, shop_today(shop, _now(request)))
    return await _list(request, query, principal, since=since, until=until)


async def _list(
    request: web.Request, query: SaleQuery, principal: Principal, **extra: Any
) -> dict[str, Any]:
    rows, total = await sales.list_sales(
        shop_id=principal.shop_id,
        spec=sales.SaleFilter(
            status=query.status, session_id=query.session, search=query.search, **extra
        ),
        offset=query.offset,
        limit=query.page_size,
    )
    return page([sale_out(v) for v in await sales.sale_views(rows)], total, query, request.path)


@contract.get("/sales/sales/", tags=("sales",))
async def list_sales(
    request: web.Request, *, query: SaleQuery, principal: Principal
) -> dict[str, Any]:
    """Sales, newest first: by status, shift, or receipt number / customer name / phone."""
    return await _list(request, query, principal)


@contract.get("/sales/sales/{sale_id}/", tags=("sales",))
async def get_sale(request: web.Request, *, sale_id: int, principal: Principal) -> dict[str, Any]:
    """One sale with its items, payments and refunds."""
    return await one_sale(await sales.get_sale(shop_id=principal.shop_id, sale_id=sale_id))


@contract.post("/sales/sales/{sale_id}/add-item/", tags=("sales",), idempotent=True)
async def add_item(
    request: web.Request, *, sale_id: int, body: ItemIn, principal: Principal
) -> dict[str, Any]:
    """Add a product to a pending sale."""
    sale = await sales.add_item(
        shop_id=principal.shop_id,
        sale_id=sale_id,
        ref=body.ref(),
        quantity=body.quantity,
        discount=body.discount,
        user_id=principal.user_id,
        roles=await roles_of(principal),
    )
    return envelope("Товар добавлен", await one_sale(sale))


@contract.delete("/sales/sales/{sale_id}/remove-item/", tags=("sales",))
async def remove_item(
    request: web.Request, *, sale_id: int, body: RemoveIn, principal: Principal
) -> dict[str, Any]:
    """Take a line off a pending sale."""
    sale = await sales.remove_item(
        shop_id=principal.shop_id,
        sale_id=sale_id,
        item_id=body.item_id,
        user_id=principal.user_id,
        roles=await roles_of(principal),
    )
    return envelope("Товар удалён", await one_sale(sale))


@contract.post("/sales/sales/{sale_id}/checkout/", tags=("sales",), idempotent=True)
async def checkout(
    request: web.Request, *, sale_id: int, body: CheckoutIn, principal: Principal
) -> dict[str, Any]:
    """Take payment (split across methods; cash gives change) and the goods out of stock."""
    sale = await sales.checkout(
        shop_id=principal.shop_id,
        sale_id=sale_id,
        payments=[
            sales.PaymentIn(
                method=p.payment_method,
                amount=p.amount,
                received_amount=p.received_amount,
                card_last4=p.card_last4,
                transaction_id=p.transaction_id,
                provider=p.provider,
            )
            for p in body.payments
        ],
        customer_id=body.customer,
        customer_phone=body.customer_phone,
        user_id=principal.user_id,
        roles=await roles_of(principal),
        now=_now(request),
    )
    return envelope("Продажа завершена", await one_sale(sale))


@contract.post("/sales/sales/{sale_id}/cancel/", tags=("sales",), idempotent=True)
async def cancel(
    request: web.Request, *, sale_id: int, body: CancelIn | None, principal: Principal
) -> dict[str, Any]:
    """Drop a pending sale, or void a completed one (a manager)."""
    body = body or CancelIn()
    sale = await sales.cancel_sale(
        shop_id=principal.shop_id,
        sale_id=sale_id,
        reason=body.reason,
        user_id=principal.user_id,
        roles=await roles_of(principal),
        now=_now(request),
    )
    return envelope("Продажа отменена", await one_sale(sale))


@contract.post("/sales/sales/{sale_id}/refund/", tags=("sales",), idempotent=True)
async def refund(
    request: web.Request, *, sale_id: int, body: RefundIn | None, principal: Principal
) -> dict[str, Any]:
    """Refund the whole sale (no body) or some units of its items (a manager)."""
    body = body or RefundIn()
    sale, _ = await sales.refund_sale(
        shop_id=principal.shop_id,
        sale_id=sale_id,
        lines=(
            [sales.RefundLine(item_id=i.item_id, quantity=i.quantity) for i in body.items]
            if body.items is not None
            else None
        ),
        reason=body.reason,
        user_id=principal.user_id,
        roles=await roles_of(principal),
        now=_now(request),
    )
    return envelope("Возврат оформлен", await one_sale(sale))
