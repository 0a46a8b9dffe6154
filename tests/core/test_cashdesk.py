"""The cash desk in core: a shift, sales with split payments, a refund by items, a void,
and the shift report agreeing with the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import stock
from core.cashdesk import sales, shifts
from core.errors import BadRequest, Forbidden, ValidationFailed
from core.models import MoveKind, PaymentMethod, Role, SaleStatus, StockMove
from tests.factories import make_member, make_product, make_shop

MANAGER = {Role.OWNER}
CASHIER = {Role.CASHIER}


async def stocked(shop, name, price, quantity, **extra):
    product = await make_product(shop, name=name, price=price, **extra)
    item = await stock.goods_item(product, for_update=False)
    await stock.record_move(item=item, kind=MoveKind.SUPPLY, quantity=Decimal(quantity))
    return product


async def test_sale_refund_void_and_shift_report_agree(db, clock) -> None:
    shop = await make_shop("Till")
    owner = await make_member(shop, Role.OWNER)
    cashier = await make_member(shop, Role.CASHIER)
    milk = await stocked(shop, "Milk", 750, 10, barcode="4870001", cost_price=500)
    bread = await stocked(shop, "Bread", 300, 10, barcode="4870002", cost_price=200)
    now = clock.now()
    shift = await shifts.open_shift(
        shop_id=shop.id, cashier_id=cashier.id, opening_balance=10_000, now=now
    )
    with pytest.raises(BadRequest):
        await shifts.open_shift(shop_id=shop.id, cashier_id=cashier.id, opening_balance=0, now=now)

    sale = await sales.scan_item(
        shop_id=shop.id,
        session_id=shift.id,
        ref=sales.ProductRef(barcode="4870001"),
        quantity=2,
        user_id=cashier.id,
        roles=CASHIER,
        now=now,
    )
    await sales.scan_item(
        shop_id=shop.id,
        session_id=shift.id,
        ref=sales.ProductRef(barcode="4870001"),
        quantity=1,
        user_id=cashier.id,
        roles=CASHIER,
        now=now,
    )
    sale = await sales.add_item(
        shop_id=shop.id,
        sale_id=sale.id,
        ref=sales.ProductRef(product_id=bread.id),
        quantity=2,
        user_id=cashier.id,
        roles=CASHIER,
    )
    assert sale.total_amount == 3 * 750 + 2 * 300
    with pytest.raises(ValidationFailed):
        await sales.checkout(
            shop_id=shop.id,
            sale_id=sale.id,
            user_id=cashier.id,
            roles=CASHIER,
            now=now,
            payments=[sales.PaymentIn(PaymentMethod.CASH, amount=2850, received_amount=2000)],
        )
    sale = await sales.checkout(
        shop_id=shop.id,
        sale_id=sale.id,
        user_id=cashier.id,
        roles=CASHIER,
        now=now,
        payments=[
            sales.PaymentIn(PaymentMethod.CASH, amount=1850, received_amount=2000),
            sales.PaymentIn(PaymentMethod.CARD, amount=1000, card_last4="4242"),
        ],
    )
    assert (sale.status, sale.change_amount) == (SaleStatus.COMPLETED, 150)
    assert (await stock.goods_item(milk)).quantity == Decimal(7)

    with pytest.raises(Forbidden):
        await sales.refund_sale(
            shop_id=shop.id, sale_id=sale.id, user_id=cashier.id, roles=CASHIER, now=now
        )
    items = await sales.sale_views([sale])
    milk_line = next(i for i in items[0].items if i.product_id == milk.id)
    sale, refund = await sales.refund_sale(
        shop_id=shop.id,
        sale_id=sale.id,
        user_id=owner.id,
        roles=MANAGER,
        now=now,
        lines=[sales.RefundLine(item_id=milk_line.id, quantity=1)],
    )
    assert (refund.amount, refund.cash_amount, sale.status) == (750, 750, SaleStatus.COMPLETED)

    second = await sales.scan_item(
        shop_id=shop.id,
        session_id=shift.id,
        ref=sales.ProductRef(product_id=bread.id),
        quantity=1,
        user_id=cashier.id,
        roles=CASHIER,
        now=now,
    )
    second = await sales.checkout(
        shop_id=shop.id,
        sale_id=second.id,
        user_id=cashier.id,
        roles=CASHIER,
        now=now,
        payments=[sales.PaymentIn(PaymentMethod.CASH, amount=300)],
    )
    second = await sales.cancel_sale(
        shop_id=shop.id, sale_id=second.id, user_id=owner.id, roles=MANAGER, now=now
    )
    assert second.status is SaleStatus.CANCELLED
    # The owner had no shift open: the cash came out of the sale's own drawer.
    report = await shifts.close_shift(
        shop_id=shop.id,
        session_id=shift.id,
        user_id=cashier.id,
        roles=CASHIER,
        actual_cash=10_950,
        now=now,
    )
    assert report.sales_count == 2 and report.sales_total == 2850 + 300
    assert report.refunds_total == 750 and report.cancellations_total == 300
    assert report.expected_cash == 10_000 + 2000 - 150 + 300 - 750 - 300
    assert report.difference == 10_950 - report.expected_cash
    assert (await stock.goods_item(milk)).quantity == Decimal(8)
    assert (await stock.goods_item(bread)).quantity == Decimal(8)
    for product in (milk, bread):
        item = await stock.goods_item(product)
        assert await stock.ledger_balance(item.id) == Decimal(item.quantity)
    assert await StockMove.filter(sale_id=sale.id).count() == 3


async def test_receipt_reaches_the_customer_and_snapshots_answer_past_days(db, clock) -> None:
    from datetime import timedelta

    from bot.i18n import render
    from core.analytics import stock_lines
    from core.customers import link_chat
    from core.jobs.stock_snapshots import take_stock_snapshots
    from core.models import Customer, OutboxEvent
    from core.ports.chat import ChannelName, ChatAddress
    from core.shoptime import local_now

    shop = await make_shop("Receipts")
    cashier = await make_member(shop, Role.CASHIER)
    tea = await stocked(shop, "Tea", 1500, 5, barcode="4870100")
    yesterday = clock.now() - timedelta(days=1)
    await take_stock_snapshots(shop_id=shop.id, now=yesterday)
    customer = await Customer.create(
        shop=shop, phone="+77017654321", name="Айгуль", language="ru"
    )  # fmt: skip
    for address in (
        ChatAddress(ChannelName.TELEGRAM, "9001"),
        ChatAddress(ChannelName.WHATSAPP, "77017654321"),
    ):
        await link_chat(shop_id=shop.id, customer_id=customer.id, address=address)
    now = clock.now()
    shift = await shifts.open_shift(
        shop_id=shop.id, cashier_id=cashier.id, opening_balance=0, now=now
    )
    sale = await sales.scan_item(
        shop_id=shop.id, session_id=shift.id, ref=sales.ProductRef(barcode="4870100"),
        quantity=2, user_id=cashier.id, roles=CASHIER, now=now,
    )  # fmt: skip
    await sales.checkout(
        shop_id=shop.id, sale_id=sale.id, user_id=cashier.id, roles=CASHIER, now=now,
        customer_id=customer.id,
        payments=[sales.PaymentIn(PaymentMethod.TRANSFER, amount=3000)],
    )  # fmt: skip
    rows = await OutboxEvent.filter(event_type=sales.RECEIPT_EVENT).order_by("id")
    assert [r.topic for r in rows] == ["telegram", "whatsapp"]
    assert rows[0].payload["address"] == {"channel": "telegram", "external_id": "9001"}
    message = rows[0].payload["message"]
    assert rows[1].payload["message"] == message
    text = render(message["text"], "ru", message["params"])
    assert text.startswith("🧾 Чек CHECK-") and "Tea × 2 = 3 000 ₸" in text
    assert "Итого: 3 000 ₸" in text
    assert rows[1].payload["address"] == {"channel": "whatsapp", "external_id": "77017654321"}

    found, total = await sales.list_sales(shop_id=shop.id, spec=sales.SaleFilter(search="7654321"))
    assert total == 1 and found[0].id == sale.id
    by_name, _ = await sales.list_sales(shop_id=shop.id, spec=sales.SaleFilter(search="Айгуль"))
    assert [s.id for s in by_name] == [sale.id]

    past_day = local_now(shop, yesterday).date()
    day, past = await stock_lines(shop, now=now, day=past_day)
    assert day == past_day and [(x.product.id, x.quantity_on_hand) for x in past] == [
        (tea.id, Decimal(5))
    ]
    _, live = await stock_lines(shop, now=now)
    assert [x.quantity_on_hand for x in live] == [Decimal(3)]
    assert live[0].days_of_stock == round(3 / (2 / 30), 1)
