"""A till day end to end over HTTP: a cashier opens a shift, scans by barcode, takes a
split payment with change, the manager refunds part of a sale and voids another, a
draft is dropped, and the drawer closes 500 short. The shift report, the daily sales,
the top products, the stock on hand and the ledger all agree to the tenge."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp.test_utils import TestClient

from core import stock
from core.models import MoveKind, Product, Role, StockMove
from tests.api.erp.test_integrator_walk import call
from tests.factories import auth, make_member, make_shop, token_for

GOODS: dict[str, dict[str, Any]] = {
    "milk": {
        "name": "Молоко 1л",
        "barcode": "4870000000011",
        "sale_price": 450,
        "cost_price": 300,
        "initial_stock": 20,
    },
    "bread": {
        "name": "Хлеб",
        "barcode": "4870000000028",
        "sale_price": 200,
        "cost_price": 120,
        "initial_stock": 10,
    },
    "choc": {
        "name": "Шоколад",
        "barcode": "4870000000035",
        "sale_price": 1200,
        "cost_price": 800,
        "initial_stock": 10,
    },
}


async def scan(
    api: TestClient, who: dict[str, str], session: int, barcode: str, quantity: Any
) -> dict[str, Any]:
    body = {"session": session, "barcode": barcode, "quantity": quantity}
    return (await call(api, "POST", "/api/sales/sales/scan-item/", 200, who, json=body))["data"]


async def checkout(
    api: TestClient, who: dict[str, str], sale: int, payments: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return (
        await call(
            api,
            "POST",
            f"/api/sales/sales/{sale}/checkout/",
            200,
            who,
            json={"payments": payments, **extra},
        )
    )["data"]


async def test_a_till_day_agrees_to_the_tenge(api: TestClient, runtime) -> None:
    shop = await make_shop("Магазин у дома")
    owner_user = await make_member(shop, Role.OWNER, name="Owner")
    cashier_user = await make_member(shop, Role.CASHIER, name="Saule")
    owner = auth(token_for(runtime, owner_user, shop))
    cashier = auth(token_for(runtime, cashier_user, shop, Role.CASHIER))
    ids = {}
    for key, body in GOODS.items():
        ids[key] = (await call(api, "POST", "/api/products/products/", 201, owner, json=body))["id"]

    session = (
        await call(
            api, "POST", "/api/sales/sessions/open/", 201, cashier, json={"opening_balance": 50000}
        )
    )["data"]["id"]

    # Sale 1: milk ×3 and bread scanned twice; card 750 + cash 1000 from 2000 (change 1000).
    # A scan retried with its Idempotency-Key (the till lost the answer) adds once.
    keyed = {**cashier, "Idempotency-Key": "till-1-scan-1"}
    first = await scan(api, keyed, session, GOODS["milk"]["barcode"], 3)
    assert await scan(api, keyed, session, GOODS["milk"]["barcode"], 3) == first
    await scan(api, cashier, session, GOODS["bread"]["barcode"], 1)
    first = await scan(api, cashier, session, GOODS["bread"]["barcode"], 1)
    assert [(i["product_name"], i["quantity"]) for i in first["items"]] == [
        ("Молоко 1л", "3.000"),
        ("Хлеб", "2.000"),
    ]
    assert first["total_amount"] == "1750.00"
    first = await checkout(
        api,
        cashier,
        first["id"],
        [
            {
                "payment_method": "card",
                "amount": 750,
                "card_last4": "1111",
                "transaction_id": "T-1",
            },
            {"payment_method": "cash", "amount": 1000, "received_amount": 2000},
        ],
    )
    assert (first["status"], first["change_amount"]) == ("completed", "1000.00")

    # Sale 2: chocolate ×4, cash 4800 from 5000, to a customer by phone; one bar comes back.
    second = await scan(api, cashier, session, GOODS["choc"]["barcode"], 4)
    second = await checkout(
        api,
        cashier,
        second["id"],
        [{"payment_method": "cash", "amount": 4800, "received_amount": 5000}],
        customer_phone="+77017654321",
    )
    line = second["items"][0]["id"]
    refund_body = {"items": [{"item_id": line, "quantity": 1}], "reason": "брак"}
    assert (
        await call(
            api, "POST", f"/api/sales/sales/{second['id']}/refund/", 403, cashier, json=refund_body
        )
    )["code"] == "forbidden"
    refunded = (
        await call(
            api, "POST", f"/api/sales/sales/{second['id']}/refund/", 200, owner, json=refund_body
        )
    )["data"]
    assert (refunded["status"], refunded["refunded_amount"]) == ("completed", "1200.00")
    too_many = {"items": [{"item_id": line, "quantity": 4}]}
    assert (
        "items.0.quantity"
        in (
            await call(
                api, "POST", f"/api/sales/sales/{second['id']}/refund/", 400, owner, json=too_many
            )
        )["errors"]
    )

    # Sale 3: milk ×1 paid by Kaspi, voided by the manager.
    third = await scan(api, cashier, session, GOODS["milk"]["barcode"], 1)
    third = await checkout(
        api,
        cashier,
        third["id"],
        [{"payment_method": "mobile", "amount": 450, "provider": "kaspi"}],
    )
    await call(api, "POST", f"/api/sales/sales/{third['id']}/cancel/", 403, cashier)
    assert (await call(api, "POST", f"/api/sales/sales/{third['id']}/cancel/", 200, owner))["data"][
        "status"
    ] == "cancelled"

    # Sale 4: a draft dropped by the cashier; selling more than is on hand is refused.
    fourth = await scan(api, cashier, session, GOODS["bread"]["barcode"], 9)
    short = await call(
        api,
        "POST",
        f"/api/sales/sales/{fourth['id']}/checkout/",
        400,
        cashier,
        json={"payments": [{"payment_method": "cash", "amount": 1800}]},
    )
    assert "Not enough stock" in short["message"]
    await call(api, "POST", f"/api/sales/sales/{fourth['id']}/cancel/", 200, cashier)

    # Another cashier may neither sell in this shift nor close it.
    colleague_user = await make_member(shop, Role.CASHIER, name="Dana")
    colleague = auth(token_for(runtime, colleague_user, shop, Role.CASHIER))
    body = {"session": session, "barcode": GOODS["milk"]["barcode"], "quantity": 1}
    await call(api, "POST", "/api/sales/sales/scan-item/", 403, colleague, json=body)
    close = {"actual_cash": 0}
    await call(api, "POST", f"/api/sales/sessions/{session}/close/", 403, colleague, json=close)

    closed = (
        await call(
            api,
            "POST",
            f"/api/sales/sessions/{session}/close/",
            200,
            cashier,
            json={"actual_cash": 54100},
        )
    )["data"]
    expected = 50000 + 2000 - 1000 + 5000 - 200 - 1200
    assert closed["expected_cash"] == f"{expected}.00" == "54600.00"
    assert closed["cash_difference"] == "-500.00"
    report = (await call(api, "GET", f"/api/sales/sessions/{session}/report/", 200, owner))["data"]
    assert report["sales_count"] == 3 and report["total_sales"] == "7000.00"
    assert report["by_payment_method"] == {
        "cash": {"count": 2, "amount": "5800.00"},
        "card": {"count": 1, "amount": "750.00"},
        "mobile": {"count": 1, "amount": "450.00"},
        "transfer": {"count": 0, "amount": "0.00"},
    }
    assert (report["cash_received"], report["change_given"]) == ("7000.00", "1200.00")
    assert (report["refunds_count"], report["total_refunds"], report["cash_refunds"]) == (
        1,
        "1200.00",
        "1200.00",
    )
    assert (report["cancellations_count"], report["total_cancellations"]) == (2, "450.00")
    assert report["net_sales"] == "5350.00"

    today = await call(api, "GET", "/api/analytics/daily-sales/today/", 200, owner)
    assert today["total_sales"] == report["net_sales"] == "5350.00"
    assert (today["total_sales_count"], today["total_refunds"], today["total_items_sold"]) == (
        2,
        "1200.00",
        "8.000",
    )
    assert today["unique_customers"] == 1 and today["avg_sale_amount"] == "2675.00"

    top = (
        await call(
            api,
            "GET",
            "/api/analytics/product-performance/top-products/?order_by=revenue",
            200,
            owner,
        )
    )["top_products"]
    assert [
        (
            t["product_name"],
            t["total_revenue"],
            t["total_quantity"],
            t["total_profit"],
            t["sales_count"],
        )
        for t in top
    ] == [
        ("Шоколад", "3600.00", "3.000", "1200.00", 1),
        ("Молоко 1л", "1350.00", "3.000", "450.00", 1),
        ("Хлеб", "400.00", "2.000", "160.00", 1),
    ]
    assert sum(Decimal(t["total_revenue"]) for t in top) == Decimal(today["total_sales"])
    by_quantity = (
        await call(
            api,
            "GET",
            "/api/analytics/product-performance/top-products/?order_by=quantity&limit=1",
            200,
            owner,
        )
    )["top_products"]
    assert by_quantity[0]["total_quantity"] == "3.000"

    on_hand = {"milk": Decimal(17), "bread": Decimal(8), "choc": Decimal(7)}
    latest = {
        p["product"]["id"]: p
        for p in (await call(api, "GET", "/api/analytics/inventory-snapshots/latest/", 200, owner))[
            "products"
        ]
    }
    for key, quantity in on_hand.items():
        product = await call(api, "GET", f"/api/products/products/{ids[key]}/", 200, owner)
        assert Decimal(product["stock_quantity"]) == quantity
        assert Decimal(latest[ids[key]]["quantity_on_hand"]) == quantity
        item = await stock.goods_item(await Product.get(id=ids[key]))
        assert await stock.ledger_balance(item.id) == quantity
        sold = await StockMove.filter(stock_item_id=item.id, kind=MoveKind.SALE).values_list(
            "quantity", flat=True
        )
        back = await StockMove.filter(stock_item_id=item.id, kind=MoveKind.RETURN).values_list(
            "quantity", flat=True
        )
        assert (
            Decimal(GOODS[key]["initial_stock"]) + sum(map(Decimal, sold)) + sum(map(Decimal, back))
            == quantity
        )
    history = await call(
        api, "GET", f"/api/customers/customers/{second['customer']}/purchase-history/", 200, owner
    )
    assert [(p["type"], p["total_amount"]) for p in history["purchases"]] == [("sale", "3600.00")]
