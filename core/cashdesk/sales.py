"""Sales at the till: scanning into a pending sale, checkout with split payments,
refunds (whole or by items) and cancellations, all through core.stock's ledger.

Money is whole currency units. A line costs `unit_price × quantity` (rounded half up)
less its discount; the shop's discount price (the shop contract's `sale_price`), when
set, is taken as a discount from the shelf price. Prices include tax: a line's tax is
`line × rate / (100 + rate)`. What a line is still worth after refunds is
`round(line_total × remaining / quantity)`, and a refund of some of its units is the
drop of that worth, so the refunds of a sale always add up to its total.

Money given back goes out by the methods the sale was paid with: cash first (up to the
cash taken), then the others in the order they were paid. Cash given back needs an
open shift of the person giving it (the drawer it leaves).

Receipt numbers are `CHECK-<shop's local time YYYYMMDDHHMMSS>-<n>`, n counting the
shop's sales from 1: unique per store and never reused (a cancelled draft keeps its).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import stock
from core.cashdesk.shifts import shift_for_sale
from core.errors import BadRequest, NotFound, ValidationFailed
from core.models import (
    CashSession,
    Customer,
    MoveKind,
    PaymentMethod,
    Product,
    RefundKind,
    Role,
    Sale,
    SaleItem,
    SalePayment,
    SaleRefund,
    SaleStatus,
    SessionStatus,
    Shop,
    StockItem,
)
from core.notify import tell_customer
from core.permissions import MANAGERS, RoleForbidden
from core.ports.chat import OutgoingMessage
from core.shoptime import local_now
from core.tenancy import get_owned, scoped

MAX_QUANTITY = Decimal(1_000_000)
REFUND_ORDER = (
    PaymentMethod.CASH,
    PaymentMethod.CARD,
    PaymentMethod.MOBILE,
    PaymentMethod.TRANSFER,
)


def _(message: str) -> str:
    return message


RECEIPT_EVENT = "customer.sale_receipt"
RECEIPT_MESSAGE = _(
    "🧾 Receipt {receipt} — {shop}\n{lines}\nTotal: {total}\nThank you for your purchase!"
)


def units(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_worth(item: SaleItem, remaining: Decimal | None = None) -> int:
    """What the line is worth with `remaining` units (default: those not refunded)."""
    quantity = Decimal(item.quantity)
    left = quantity - Decimal(item.refunded_quantity) if remaining is None else remaining
    if quantity == 0:
        return 0
    return units(Decimal(item.line_total) * left / quantity)


def line_tax(line_total: int, rate: int) -> int:
    if rate <= 0:
        return 0
    return units(Decimal(line_total) * rate / (100 + rate))


def _quantity(value: Decimal | int | str, *loc: str | int) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except ArithmeticError:
        raise ValidationFailed.field(*loc, msg="must be a number") from None
    if not quantity.is_finite() or quantity <= 0 or quantity > MAX_QUANTITY:
        raise ValidationFailed.field(*loc, msg="must be greater than 0")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise ValidationFailed.field(*loc, msg="at most 3 decimal places")
    return quantity.quantize(Decimal("0.001"))


@dataclass(frozen=True)
class ProductRef:
    """A product as the till names it: by id, or by its barcode (or SKU) as scanned."""

    product_id: int | None = None
    barcode: str | None = None


async def find_product(*, shop_id: int, ref: ProductRef) -> Product:
    if ref.product_id is not None:
        product = await get_owned(Product, shop_id=shop_id, id=ref.product_id)
    elif ref.barcode:
        code = ref.barcode.strip()
        found = (
            await scoped(Product, shop_id).filter(barcode=code).first()
            or await scoped(Product, shop_id).filter(sku=code).first()
        )
        if found is None:
            raise NotFound(f"Product with barcode {code}")
        product = found
    else:
        raise ValidationFailed.field("product", msg="Give a product id or a barcode")
    if not product.is_active:
        raise BadRequest(f"Product '{product.name}' is not on sale (inactive)")
    return product


async def _recalculate(sale: Sale) -> None:
    items = await SaleItem.filter(sale_id=sale.id)
    sale.subtotal = sum(units(Decimal(i.unit_price) * Decimal(i.quantity)) for i in items)
    sale.discount_amount = sum(int(i.discount_amount) for i in items)
    sale.total_amount = sum(int(i.line_total) for i in items)
    sale.tax_amount = sum(line_tax(int(i.line_total), int(i.tax_rate)) for i in items)
    await sale.save(
        update_fields=["subtotal", "discount_amount", "total_amount", "tax_amount", "updated_at"]
    )


async def _add_line(
    sale: Sale, product: Product, quantity: Decimal, discount: int, *, merge: bool
) -> None:
    existing = (
        await SaleItem.filter(sale_id=sale.id, product_id=product.id).order_by("id").first()
        if merge
        else None
    )
    if existing is not None and discount == 0 and existing.unit_price == product.price:
        quantity = Decimal(existing.quantity) + quantity
        discount = int(existing.discount_amount) - _shop_discount(
            product, Decimal(existing.quantity)
        )
        target: SaleItem | None = existing
    else:
        target = None
    gross = units(Decimal(product.price) * quantity)
    discount_total = discount + _shop_discount(product, quantity)
    if discount < 0 or discount_total > gross:
        raise ValidationFailed.field("discount", msg=f"must be between 0 and {gross}")
    values: dict[str, Any] = {
        "quantity": quantity,
        "unit_price": int(product.price),
        "cost_price": int(product.cost_price or 0),
        "tax_rate": int(product.tax_rate or 0),
        "discount_amount": discount_total,
        "line_total": gross - discount_total,
    }
    if target is not None:
        for name, value in values.items():
            setattr(target, name, value)
        await target.save(update_fields=[*values, "updated_at"])
    else:
        await SaleItem.create(
            sale=sale,
            product=product,
            product_name=product.name,
            product_sku=product.sku,
            **values,
        )


def _shop_discount(product: Product, quantity: Decimal) -> int:
    return units((Decimal(product.price) - Decimal(product.current_price)) * quantity)


async def _next_seq(shop_id: int) -> int:
    # The shop row's lock serialises numbering (SQLite writes are serial anyway).
    await Shop.filter(id=shop_id).select_for_update().first()
    last = await Sale.filter(shop_id=shop_id).order_by("-seq").first()
    return (last.seq if last else 0) + 1


async def scan_item(
    *,
    shop_id: int,
    session_id: int,
    ref: ProductRef,
    quantity: Decimal | int | str,
    user_id: int | None,
    roles: set[Role],
    now: datetime,
    discount: int = 0,
) -> Sale:
    """Add a scanned product to the shift's pending sale, opening one when there is none.

    Scanning the same product again adds to its line. Outcomes: the pending sale; 404
    for an unknown product or barcode; 400 for a closed shift or an inactive product;
    403 for another cashier's shift.
    """
    qty = _quantity(quantity, "quantity")
    async with in_transaction():
        session = await shift_for_sale(
            shop_id=shop_id, session_id=session_id, user_id=user_id, roles=roles
        )
        product = await find_product(shop_id=shop_id, ref=ref)
        sale = (
            await Sale.filter(session_id=session.id, status=SaleStatus.PENDING)
            .order_by("-id")
            .select_for_update()
            .first()
        )
        if sale is None:
            shop = await Shop.get(id=shop_id)
            seq = await _next_seq(shop_id)
            sale = await Sale.create(
                shop_id=shop_id,
                session=session,
                cashier_id=user_id if user_id is not None else session.cashier_id,  # type: ignore[attr-defined]
                seq=seq,
                receipt_number=f"CHECK-{local_now(shop, now):%Y%m%d%H%M%S}-{seq}",
            )
        await _add_line(sale, product, qty, discount, merge=True)
        await _recalculate(sale)
    return sale


async def _pending(shop_id: int, sale_id: int) -> Sale:
    sale = await get_owned(Sale, shop_id=shop_id, id=sale_id, for_update=True, what="Sale")
    if sale.status is not SaleStatus.PENDING:
        raise BadRequest(f"Sale {sale.receipt_number} is {sale.status.value}, not pending")
    return sale


async def _check_till(sale: Sale, user_id: int | None, roles: set[Role]) -> None:
    await shift_for_sale(
        shop_id=sale.shop_id,  # type: ignore[attr-defined]
        session_id=sale.session_id,  # type: ignore[attr-defined]
        user_id=user_id,
        roles=roles,
    )


async def add_item(
    *,
    shop_id: int,
    sale_id: int,
    ref: ProductRef,
    quantity: Decimal | int | str,
    user_id: int | None,
    roles: set[Role],
    discount: int = 0,
) -> Sale:
    """Add a product line to a pending sale (a product already on it gets more units)."""
    qty = _quantity(quantity, "quantity")
    async with in_transaction():
        sale = await _pending(shop_id, sale_id)
        await _check_till(sale, user_id, roles)
        product = await find_product(shop_id=shop_id, ref=ref)
        await _add_line(sale, product, qty, discount, merge=True)
        await _recalculate(sale)
    return sale


async def remove_item(
    *, shop_id: int, sale_id: int, item_id: int, user_id: int | None, roles: set[Role]
) -> Sale:
    """Take a line off a pending sale; another sale's line is a 404."""
    async with in_transaction():
        sale = await _pending(shop_id, sale_id)
        await _check_till(sale, user_id, roles)
        deleted = await SaleItem.filter(sale_id=sale.id, id=item_id).delete()
        if not deleted:
            raise NotFound("Sale item")
        await _recalculate(sale)
    return sale


async def current_sale(*, shop_id: int, session_id: int) -> Sale:
    """The shift's pending sale (the draft on the till); NotFound when there is none."""
    await get_owned(CashSession, shop_id=shop_id, id=session_id, what="Shift")
    sale = (
        await Sale.filter(shop_id=shop_id, session_id=session_id, status=SaleStatus.PENDING)
        .order_by("-id")
        .first()
    )
    if sale is None:
        raise NotFound("Pending sale")
    return sale


async def get_sale(*, shop_id: int, sale_id: int) -> Sale:
    return await get_owned(Sale, shop_id=shop_id, id=sale_id, what="Sale")


@dataclass(frozen=True)
class PaymentIn:
    method: PaymentMethod
    amount: int
    received_amount: int | None = None
    card_last4: str | None = None
    transaction_id: str | None = None
    provider: str | None = None


def _check_payments(total: int, payments: Sequence[PaymentIn]) -> None:
    if not payments:
        raise ValidationFailed.field("payments", msg="At least one payment is required")
    for index, payment in enumerate(payments):
        if payment.amount <= 0:
            raise ValidationFailed.field("payments", index, "amount", msg="must be greater than 0")
        if payment.method is PaymentMethod.CASH:
            received = (
                payment.amount if payment.received_amount is None else payment.received_amount
            )
            if received < payment.amount:
                raise ValidationFailed.field(
                    "payments",
                    index,
                    "received_amount",
                    msg=f"Cash received ({received}) is less than its amount ({payment.amount})",
                )
    paid = sum(p.amount for p in payments)
    if paid != total:
        raise ValidationFailed.field(
            "payments", msg=f"Payments add up to {paid}, the sale's total is {total}"
        )


async def _take_stock(shop: Shop, sale: Sale, items: list[SaleItem], user_id: int | None) -> None:
    needs: dict[int, Decimal] = defaultdict(Decimal)
    products: dict[int, Product] = {}
    for item in items:
        pid = item.product_id  # type: ignore[attr-defined]
        if pid is None:
            continue
        needs[pid] += Decimal(item.quantity)
    for product in await Product.filter(id__in=list(needs)).order_by("id"):
        products[product.id] = product
    stock_items: dict[int, StockItem] = {}
    for pid in sorted(needs):
        stock_items[pid] = await stock.goods_item(products[pid], for_update=True)
    allow_negative = bool((shop.settings or {}).get("allow_negative_stock"))
    short = [
        f"{products[pid].name} (need {stock.fmt_quantity(q)}, have "
        f"{stock.fmt_quantity(Decimal(stock_items[pid].quantity))})"
        for pid, q in sorted(needs.items())
        if Decimal(stock_items[pid].quantity) < q
    ]
    if short and not allow_negative:
        raise BadRequest("Not enough stock: " + "; ".join(short))
    for pid, quantity in sorted(needs.items()):
        await stock.record_move(
            item=stock_items[pid],
            kind=MoveKind.SALE,
            quantity=-quantity,
            sale_id=sale.id,
            unit_cost=int(products[pid].cost_price or 0) or None,
            note=f"sale {sale.receipt_number}",
            user_id=user_id,
            allow_negative=True,
        )


async def _customer(shop_id: int, customer_id: int | None, phone: str | None) -> Customer | None:
    if customer_id is not None:
        return await get_owned(Customer, shop_id=shop_id, id=customer_id)
    if phone:
        from core.customers import find_or_register_customer

        found, _created = await find_or_register_customer(
            shop_id=shop_id, phone=phone, loc=("customer_phone",)
        )
        return found
    return None


async def checkout(
    *,
    shop_id: int,
    sale_id: int,
    payments: Sequence[PaymentIn],
    user_id: int | None,
    roles: set[Role],
    now: datetime,
    customer_id: int | None = None,
    customer_phone: str | None = None,
    send_receipt: bool = True,
) -> Sale:
    """Take payment for a pending sale and its goods out of stock.

    Outcomes: the completed sale (change given on cash received above its amount);
    400 when payments do not add up to the total, cash received is below its amount, the
    sale is empty or not pending, or stock is short (unless the store allows negative
    stock). A known customer is sent the receipt in their Telegram and WhatsApp chats
    (outbox rows in the same transaction).
    """
    async with in_transaction():
        sale = await _pending(shop_id, sale_id)
        await _check_till(sale, user_id, roles)
        items = list(await SaleItem.filter(sale_id=sale.id).order_by("id"))
        if not items:
            raise BadRequest("The sale has no items")
        _check_payments(int(sale.total_amount), payments)
        customer = await _customer(shop_id, customer_id, customer_phone)
        shop = await Shop.get(id=shop_id)
        await _take_stock(shop, sale, items, user_id)
        change_total = 0
        for payment in payments:
            change = 0
            received = None
            if payment.method is PaymentMethod.CASH:
                received = (
                    payment.amount if payment.received_amount is None else payment.received_amount
                )
                change = received - payment.amount
            change_total += change
            await SalePayment.create(
                sale=sale,
                method=payment.method,
                amount=payment.amount,
                received_amount=received,
                change_amount=change,
                card_last4=payment.card_last4,
                transaction_id=payment.transaction_id,
                provider=payment.provider,
            )
        sale.status = SaleStatus.COMPLETED
        sale.paid_amount = sum(p.amount for p in payments)
        sale.change_amount = change_total
        sale.completed_at = now
        fields = ["status", "paid_amount", "change_amount", "completed_at", "updated_at"]
        if customer is not None:
            sale.customer_id = customer.id  # type: ignore[attr-defined]
            fields.append("customer_id")
        await sale.save(update_fields=fields)
        if customer is not None and send_receipt:
            await _send_receipt(shop, sale, items, customer)
    return sale


def _money(amount: int, currency: str) -> str:
    return f"{amount:,}".replace(",", " ") + (" ₸" if currency == "KZT" else " сум")


async def _send_receipt(shop: Shop, sale: Sale, items: list[SaleItem], customer: Customer) -> None:
    """The receipt to each chat the customer is reachable in (Telegram, WhatsApp)."""
    currency = str(shop.currency)
    lines = "\n".join(
        f"{i.product_name} × {stock.fmt_quantity(Decimal(i.quantity))} = "
        f"{_money(int(i.line_total), currency)}"
        for i in items
    )
    # On every chat the customer has (none: no receipt).
    await tell_customer(
        customer_id=customer.id,
        message=OutgoingMessage(
            text=RECEIPT_MESSAGE,
            params={
                "receipt": sale.receipt_number,
                "shop": shop.name,
                "lines": lines,
                "total": _money(int(sale.total_amount), currency),
            },
            language=customer.language or shop.locale,
        ),
        shop_id=shop.id,
        event_type=RECEIPT_EVENT,
    )


def _check_may_refund(roles: set[Role]) -> None:
    if not roles & MANAGERS:
        raise RoleForbidden("Only an owner, admin or manager may refund or void a sale", MANAGERS)


async def _giving_shift(shop_id: int, sale: Sale, user_id: int | None) -> CashSession | None:
    """The open drawer money goes back from: the giver's, else the sale's own shift."""
    if user_id is not None:
        mine = (
            await CashSession.filter(shop_id=shop_id, cashier_id=user_id, status=SessionStatus.OPEN)
            .order_by("-id")
            .first()
        )
        if mine is not None:
            return mine
    own = await CashSession.get(id=sale.session_id)  # type: ignore[attr-defined]
    return own if own.status is SessionStatus.OPEN else None


async def _allocate(sale: Sale, amount: int) -> dict[str, int]:
    paid: dict[str, int] = defaultdict(int)
    order: list[str] = []
    for payment in await SalePayment.filter(sale_id=sale.id).order_by("id"):
        method = PaymentMethod(payment.method).value
        paid[method] += int(payment.amount)
        if method not in order:
            order.append(method)
    for refund in await SaleRefund.filter(sale_id=sale.id):
        for method, given in (refund.by_method or {}).items():
            paid[method] -= int(given)
    ranked = sorted(order, key=lambda m: (m != PaymentMethod.CASH.value, order.index(m)))
    result: dict[str, int] = {}
    left = amount
    for method in ranked:
        take = min(left, max(paid[method], 0))
        if take:
            result[method] = take
            left -= take
    if left:
        raise BadRequest("Refund exceeds what was paid")
    return result


@dataclass(frozen=True)
class RefundLine:
    item_id: int
    quantity: Decimal | int | str


async def _give_back(
    *,
    shop_id: int,
    sale: Sale,
    lines: Sequence[RefundLine] | None,
    kind: RefundKind,
    reason: str,
    user_id: int | None,
) -> SaleRefund:
    items = {i.id: i for i in await SaleItem.filter(sale_id=sale.id).order_by("id")}
    wanted: dict[int, Decimal] = {}
    if lines is None:
        for item in items.values():
            left = Decimal(item.quantity) - Decimal(item.refunded_quantity)
            if left > 0:
                wanted[item.id] = left
    else:
        if not lines:
            raise ValidationFailed.field("items", msg="Name at least one item to refund")
        for index, line in enumerate(lines):
            if line.item_id not in items:
                raise NotFound("Sale item")
            item = items[line.item_id]
            qty = _quantity(line.quantity, "items", index, "quantity")
            left = (
                Decimal(item.quantity)
                - Decimal(item.refunded_quantity)
                - wanted.get(item.id, Decimal(0))
            )
            if qty > left:
                raise ValidationFailed.field(
                    "items",
                    index,
                    "quantity",
                    msg=f"Only {stock.fmt_quantity(left)} of '{item.product_name}' can be refunded",
                )
            wanted[item.id] = wanted.get(item.id, Decimal(0)) + qty
    if not wanted:
        raise BadRequest("Nothing is left to refund on this sale")
    amount = 0
    refund_lines = []
    for item_id, qty in sorted(wanted.items()):
        item = items[item_id]
        before = line_worth(item)
        item.refunded_quantity = Decimal(item.refunded_quantity) + qty
        worth = before - line_worth(item)
        amount += worth
        refund_lines.append(
            {"item_id": item_id, "quantity": stock.fmt_quantity(qty), "amount": worth}
        )
        await item.save(update_fields=["refunded_quantity", "updated_at"])
    by_method = await _allocate(sale, amount)
    cash = by_method.get(PaymentMethod.CASH.value, 0)
    session = await _giving_shift(shop_id, sale, user_id)
    if cash and session is None:
        raise BadRequest("Open a shift first: cash is given back from an open drawer")
    for item_id, qty in sorted(wanted.items()):
        pid = items[item_id].product_id  # type: ignore[attr-defined]
        if pid is None:
            continue
        product = await Product.get_or_none(id=pid)
        if product is None:
            continue
        goods = await stock.goods_item(product, for_update=True)
        await stock.record_move(
            item=goods,
            kind=MoveKind.RETURN,
            quantity=qty,
            sale_id=sale.id,
            note=f"{kind.value} {sale.receipt_number}",
            user_id=user_id,
            allow_negative=True,
        )
    return await SaleRefund.create(
        sale=sale,
        session=session,
        kind=kind,
        amount=amount,
        cash_amount=cash,
        by_method=by_method,
        lines=refund_lines,
        reason=reason[:500],
        created_by_id=user_id,
    )


async def refund_sale(
    *,
    shop_id: int,
    sale_id: int,
    user_id: int | None,
    roles: set[Role],
    now: datetime,
    lines: Sequence[RefundLine] | None = None,
    reason: str = "",
) -> tuple[Sale, SaleRefund]:
    """Give back the whole sale (`lines` None) or some units of its lines.

    Outcomes: the sale (status `refunded` once nothing is left) and the refund; 403
    for a cashier; 400 for a sale that is not completed, nothing left to refund, or
    cash to give back without an open shift.
    """
    _check_may_refund(roles)
    async with in_transaction():
        sale = await get_owned(Sale, shop_id=shop_id, id=sale_id, for_update=True, what="Sale")
        if sale.status is not SaleStatus.COMPLETED:
            raise BadRequest(
                f"Sale {sale.receipt_number} is {sale.status.value}: only a completed sale can be refunded"
            )
        refund = await _give_back(
            shop_id=shop_id,
            sale=sale,
            lines=lines,
            kind=RefundKind.REFUND,
            reason=reason,
            user_id=user_id,
        )
        sale.refunded_amount = int(sale.refunded_amount) + int(refund.amount)
        fields = ["refunded_amount", "updated_at"]
        left = await SaleItem.filter(sale_id=sale.id).values_list("quantity", "refunded_quantity")
        if all(Decimal(q) <= Decimal(r) for q, r in left):
            sale.status = SaleStatus.REFUNDED
            sale.refunded_at = now
            fields += ["status", "refunded_at"]
        await sale.save(update_fields=fields)
    return sale, refund


async def cancel_sale(
    *,
    shop_id: int,
    sale_id: int,
    user_id: int | None,
    roles: set[Role],
    now: datetime,
    reason: str = "",
) -> Sale:
    """Drop a pending sale (its cashier or a manager), or void a completed one (a manager:
    what is left of it goes back, goods to stock and money by its methods).

    Outcomes: the cancelled sale; 400 for a sale already cancelled or refunded; 403
    for a cashier voiding a completed sale.
    """
    async with in_transaction():
        sale = await get_owned(Sale, shop_id=shop_id, id=sale_id, for_update=True, what="Sale")
        if sale.status is SaleStatus.PENDING:
            await _check_till(sale, user_id, roles)
        elif sale.status is SaleStatus.COMPLETED:
            _check_may_refund(roles)
            await _give_back(
                shop_id=shop_id,
                sale=sale,
                lines=None,
                kind=RefundKind.CANCELLATION,
                reason=reason,
                user_id=user_id,
            )
        else:
            raise BadRequest(f"Sale {sale.receipt_number} is already {sale.status.value}")
        sale.status = SaleStatus.CANCELLED
        sale.cancelled_at = now
        await sale.save(update_fields=["status", "cancelled_at", "updated_at"])
    return sale


@dataclass(frozen=True)
class SaleFilter:
    status: SaleStatus | None = None
    session_id: int | None = None
    search: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    customer_id: int | None = None


def _search(text: str) -> Q:
    text = text.strip()
    condition = (
        Q(receipt_number__icontains=text)
        | Q(customer__name__icontains=text)
        | Q(customer__phone__contains=text)
    )
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3:
        condition |= Q(customer__phone__contains=digits)
    return condition


async def list_sales(
    *, shop_id: int, spec: SaleFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Sale], int]:
    """The shop's sales matching `spec`, newest first, and how many match."""
    query = scoped(Sale, shop_id)
    if spec.status is not None:
        query = query.filter(status=spec.status)
    if spec.session_id is not None:
        query = query.filter(session_id=spec.session_id)
    if spec.customer_id is not None:
        query = query.filter(customer_id=spec.customer_id)
    if spec.search and spec.search.strip():
        query = query.filter(_search(spec.search))
    if spec.since is not None:
        query = query.filter(created_at__gte=spec.since)
    if spec.until is not None:
        query = query.filter(created_at__lt=spec.until)
    total = await query.count()
    rows = list(await query.order_by("-id").offset(offset).limit(limit))
    return rows, total


@dataclass
class SaleView:
    sale: Sale
    items: list[SaleItem]
    payments: list[SalePayment]
    refunds: list[SaleRefund]
    customer: Customer | None


async def sale_views(sales: Sequence[Sale]) -> list[SaleView]:
    """Sales with their items, payments, refunds and customer (four queries in all)."""
    ids = [s.id for s in sales]
    items: dict[int, list[SaleItem]] = defaultdict(list)
    payments: dict[int, list[SalePayment]] = defaultdict(list)
    refunds: dict[int, list[SaleRefund]] = defaultdict(list)
    for item in await SaleItem.filter(sale_id__in=ids).order_by("id"):
        items[item.sale_id].append(item)  # type: ignore[attr-defined]
    for payment in await SalePayment.filter(sale_id__in=ids).order_by("id"):
        payments[payment.sale_id].append(payment)  # type: ignore[attr-defined]
    for refund in await SaleRefund.filter(sale_id__in=ids).order_by("id"):
        refunds[refund.sale_id].append(refund)  # type: ignore[attr-defined]
    customer_ids = {s.customer_id for s in sales if s.customer_id}  # type: ignore[attr-defined]
    customers = {c.id: c for c in await Customer.filter(id__in=list(customer_ids))}
    return [
        SaleView(
            sale=s,
            items=items[s.id],
            payments=payments[s.id],
            refunds=refunds[s.id],
            customer=customers.get(s.customer_id),  # type: ignore[attr-defined]
        )
        for s in sales
    ]
