"""Cash shifts: one open shift per cashier and till; the report the drawer is closed by.

Expected cash = opening balance + cash taken (received − change, i.e. the cash part of
the totals) − cash given back (refunds and cancellations recorded in this shift).
The report counts what happened in the shift: checkouts (by payment method), refunds
and cancellations made in it, and the difference between counted and expected cash.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import BadRequest, NotFound, ValidationFailed
from core.models import (
    CashSession,
    PaymentMethod,
    RefundKind,
    Role,
    Sale,
    SalePayment,
    SaleRefund,
    SaleStatus,
    SessionStatus,
)
from core.permissions import MANAGERS, RoleForbidden
from core.tenancy import get_owned

DEFAULT_TILL = "main"


def _open_key(shop_id: int, cashier_id: int, till: str) -> str:
    return f"{shop_id}:{cashier_id}:{till}"


async def open_shift(
    *, shop_id: int, cashier_id: int, opening_balance: int, now: datetime, till: str = DEFAULT_TILL
) -> CashSession:
    """Open the cashier's shift at a till.

    Outcomes: the new shift; 400 when the cashier already has one open at this till;
    a negative opening balance is a validation error.
    """
    if opening_balance < 0:
        raise ValidationFailed.field("opening_balance", msg="must not be negative")
    till = (till or DEFAULT_TILL).strip()[:64] or DEFAULT_TILL
    key = _open_key(shop_id, cashier_id, till)
    if await CashSession.filter(open_key=key).exists():
        raise BadRequest("You already have an open shift at this till: close it first")
    try:
        async with in_transaction():
            return await CashSession.create(
                shop_id=shop_id,
                cashier_id=cashier_id,
                till=till,
                opening_balance=opening_balance,
                opened_at=now,
                open_key=key,
            )
    except IntegrityError:
        raise BadRequest("You already have an open shift at this till: close it first") from None


async def current_shift(*, shop_id: int, cashier_id: int, till: str | None = None) -> CashSession:
    """The cashier's open shift (at `till`, or their newest open one); NotFound otherwise."""
    query = CashSession.filter(shop_id=shop_id, cashier_id=cashier_id, status=SessionStatus.OPEN)
    if till:
        query = query.filter(till=till)
    found = await query.order_by("-id").first()
    if found is None:
        raise NotFound("Open shift")
    return found


async def shift_for_sale(
    *, shop_id: int, session_id: int, user_id: int | None, roles: set[Role]
) -> CashSession:
    """An open shift a till may sell in: the caller's own, or any for a manager."""
    session = await get_owned(CashSession, shop_id=shop_id, id=session_id, what="Shift")
    if session.status is not SessionStatus.OPEN:
        raise BadRequest(f"Shift {session.id} is closed")
    if session.cashier_id != user_id and not roles & MANAGERS:  # type: ignore[attr-defined]
        raise RoleForbidden("This is another cashier's shift", MANAGERS)
    return session


@dataclass
class MethodTotal:
    count: int = 0
    amount: int = 0


@dataclass
class ShiftReport:
    session: CashSession
    sales_count: int = 0
    sales_total: int = 0
    by_method: dict[str, MethodTotal] = field(default_factory=dict)
    cash_received: int = 0
    change_given: int = 0
    refunds_count: int = 0
    refunds_total: int = 0
    refunds_cash: int = 0
    cancellations_count: int = 0
    cancellations_total: int = 0
    cancellations_cash: int = 0
    pending_count: int = 0

    @property
    def net_total(self) -> int:
        return self.sales_total - self.refunds_total - self.cancellations_total

    @property
    def expected_cash(self) -> int:
        return (
            int(self.session.opening_balance)
            + self.cash_received
            - self.change_given
            - self.refunds_cash
            - self.cancellations_cash
        )

    @property
    def actual_cash(self) -> int | None:
        return self.session.actual_cash

    @property
    def difference(self) -> int | None:
        if self.session.actual_cash is None:
            return None
        return int(self.session.actual_cash) - self.expected_cash


async def shift_report(*, shop_id: int, session_id: int) -> ShiftReport:
    """What happened in the shift, and the cash the drawer should hold."""
    session = await get_owned(CashSession, shop_id=shop_id, id=session_id, what="Shift")
    return await _report(session)


async def _report(session: CashSession) -> ShiftReport:
    report = ShiftReport(session=session)
    sales = await Sale.filter(session_id=session.id).values(
        "id", "status", "total_amount", "completed_at", "cancelled_at"
    )
    checked_out = [s["id"] for s in sales if s["completed_at"] is not None]
    report.pending_count = sum(1 for s in sales if s["status"] == SaleStatus.PENDING)
    report.sales_count = len(checked_out)
    report.sales_total = sum(int(s["total_amount"]) for s in sales if s["completed_at"] is not None)
    # Drafts dropped in this shift count as cancellations (of nothing).
    report.cancellations_count = sum(
        1 for s in sales if s["status"] == SaleStatus.CANCELLED and s["completed_at"] is None
    )
    by_method: dict[str, MethodTotal] = defaultdict(MethodTotal)
    for method in PaymentMethod:
        by_method[method.value] = MethodTotal()
    for payment in await SalePayment.filter(sale_id__in=checked_out):
        total = by_method[PaymentMethod(payment.method).value]
        total.count += 1
        total.amount += int(payment.amount)
        if payment.method is PaymentMethod.CASH:
            report.cash_received += int(payment.received_amount or payment.amount)
            report.change_given += int(payment.change_amount)
    report.by_method = dict(by_method)
    for refund in await SaleRefund.filter(session_id=session.id):
        if refund.kind is RefundKind.CANCELLATION:
            report.cancellations_count += 1
            report.cancellations_total += int(refund.amount)
            report.cancellations_cash += int(refund.cash_amount)
        else:
            report.refunds_count += 1
            report.refunds_total += int(refund.amount)
            report.refunds_cash += int(refund.cash_amount)
    return report


async def close_shift(
    *,
    shop_id: int,
    session_id: int,
    user_id: int | None,
    roles: set[Role],
    actual_cash: int,
    now: datetime,
) -> ShiftReport:
    """Count the drawer and close the shift.

    Outcomes: the closing report (expected vs actual); 403 for another cashier's shift
    unless a manager closes it; 400 when it is closed already or a sale is still pending.
    """
    if actual_cash < 0:
        raise ValidationFailed.field("actual_cash", msg="must not be negative")
    async with in_transaction():
        session = await get_owned(
            CashSession, shop_id=shop_id, id=session_id, for_update=True, what="Shift"
        )
        if session.cashier_id != user_id and not roles & MANAGERS:  # type: ignore[attr-defined]
            raise RoleForbidden("Only a manager may close another cashier's shift", MANAGERS)
        if session.status is not SessionStatus.OPEN:
            raise BadRequest(f"Shift {session.id} is already closed")
        if await Sale.filter(session_id=session.id, status=SaleStatus.PENDING).exists():
            raise BadRequest("A sale of this shift is still pending: check it out or cancel it")
        report = await _report(session)
        session.status = SessionStatus.CLOSED
        session.actual_cash = actual_cash
        session.expected_cash = report.expected_cash
        session.closed_at = now
        session.closed_by_id = user_id  # type: ignore[attr-defined]
        session.open_key = None
        await session.save(
            update_fields=[
                "status",
                "actual_cash",
                "expected_cash",
                "closed_at",
                "closed_by_id",
                "open_key",
                "updated_at",
            ]
        )
    return report
