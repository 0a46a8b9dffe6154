"""An integrator walks the erp document (seed 004) top to bottom over real HTTP, on both
stacks, with the document's own request bodies: register and log in, refresh the token,
the catalog, a shift with both checkout examples, a refund and a cancellation, the
sales lists, every analytics report, the task flow with comments and templates, the
customers, and the docs pages; errors answer in the contract's one envelope."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from core.models import Role, StockMove
from tests.factories import auth, make_member, make_shop, token_for

REGISTER = {
    "username": "testuser",
    "email": "test@example.com",
    "password": "TestPass123!",
    "password2": "TestPass123!",
    "first_name": "Test",
    "last_name": "User",
    "store_name": "Test Store",
    "phone": "+998901234567",
}
PRODUCT = {
    "name": "iPhone 14 Pro",
    "sku": "IPHONE-14-PRO",
    "barcode": "1234567890123",
    "description": "Latest iPhone model",
    "cost_price": 50000,
    "sale_price": 75000,
    "wholesale_price": 65000,
    "tax_rate": 12,
    "unit": "pcs",
}
CHECKOUT_CASH = {
    "payments": [{"payment_method": "cash", "amount": 150000, "received_amount": 200000}]
}
CHECKOUT_SPLIT = {
    "payments": [
        {"payment_method": "cash", "amount": 100000, "received_amount": 100000},
        {
            "payment_method": "card",
            "amount": 50000,
            "card_last4": "4242",
            "transaction_id": "TXN123456",
        },
    ]
}
TASK = {
    "title": "Проверить остатки товара",
    "description": "Провести инвентаризацию склада",
    "priority": "high",
    "category": "inventory",
    "assigned_to": 1,
    "due_date": "2025-01-20T18:00:00Z",
}
CUSTOMER = {
    "name": "Test Customer",
    "phone": "+998901234567",
    "email": "customer@example.com",
    "address": "Tashkent, Uzbekistan",
}


async def call(
    api: TestClient, method: str, path: str, status: int, headers: dict[str, str], **kwargs: Any
) -> Any:
    response = await api.request(method, path, headers=headers, **kwargs)
    text = await response.text()
    assert response.status == status, f"{method} {path}: {response.status} {text}"
    return await response.json() if text else None


def assert_error(body: dict[str, Any], code: str | None = None) -> None:
    assert body["status"] == "error" and isinstance(body["message"], str)
    assert isinstance(body["errors"], dict)
    if code is not None:
        assert body["code"] == code


async def test_integrator_walks_the_erp_document(api: TestClient, runtime) -> None:
    # 1. Users: register, log in, refresh (rotation), profile.
    registered = await call(api, "POST", "/api/users/auth/register/", 201, {}, json=REGISTER)
    assert registered["status"] == "success"
    assert registered["message"] == "Пользователь успешно зарегистрирован"
    user = registered["data"]["user"]
    assert (user["username"], user["first_name"], user["last_name"]) == ("testuser", "Test", "User")
    assert user["store"]["name"] == "Test Store" and user["role"] == "owner"
    again = await call(api, "POST", "/api/users/auth/register/", 400, {}, json=REGISTER)
    assert_error(again)
    assert "username" in again["errors"]
    weak = await call(
        api,
        "POST",
        "/api/users/auth/register/",
        400,
        {},
        json={
            **REGISTER,
            "username": "other",
            "email": "o@example.com",
            "phone": None,
            "password": "short",
            "password2": "short",
        },
    )
    assert "password" in weak["errors"]

    login = await call(
        api,
        "POST",
        "/api/users/auth/login/",
        200,
        {},
        json={"username": "testuser", "password": "TestPass123!"},
    )
    tokens = login["data"]["tokens"]
    wrong = await call(
        api,
        "POST",
        "/api/users/auth/login/",
        401,
        {},
        json={"username": "testuser", "password": "WrongPass123"},
    )
    assert_error(wrong, "unauthorized")
    rotated = await call(
        api, "POST", "/api/users/auth/token/refresh/", 200, {}, json={"refresh": tokens["refresh"]}
    )
    assert set(rotated) == {"access", "refresh"}
    await call(
        api, "POST", "/api/users/auth/token/refresh/", 401, {}, json={"refresh": tokens["refresh"]}
    )
    # Reusing a spent refresh token revoked the login: log in again.
    login = await call(
        api,
        "POST",
        "/api/users/auth/login/",
        200,
        {},
        json={"username": "testuser", "password": "TestPass123!"},
    )
    owner = auth(login["data"]["tokens"]["access"])
    profile = await call(api, "GET", "/api/users/profile/", 200, owner)
    assert profile["status"] == "success" and profile["data"]["email"] == "test@example.com"
    no_token = await call(api, "GET", "/api/users/profile/", 401, {})
    assert_error(no_token, "unauthorized")

    # 2. Products and categories.
    category = await call(
        api, "POST", "/api/products/categories/", 201, owner, json={"name": "Смартфоны"}
    )
    assert [c["name"] for c in await call(api, "GET", "/api/products/categories/", 200, owner)] == [
        "Смартфоны"
    ]
    iphone = await call(
        api,
        "POST",
        "/api/products/products/",
        201,
        owner,
        json={**PRODUCT, "category": category["id"]},
    )
    assert (iphone["sale_price"], iphone["cost_price"], iphone["wholesale_price"]) == (
        "75000.00",
        "50000.00",
        "65000.00",
    )
    assert (iphone["stock_quantity"], iphone["tax_rate"], iphone["unit"]) == ("0.000", 12, "pcs")
    duplicate = await call(api, "POST", "/api/products/products/", 400, owner, json=PRODUCT)
    assert "sku" in duplicate["errors"]
    fraction = await call(
        api,
        "POST",
        "/api/products/products/",
        400,
        owner,
        json={**PRODUCT, "sku": "X", "barcode": "X", "sale_price": 10.5},
    )
    assert "sale_price" in fraction["errors"]
    case = await call(
        api,
        "POST",
        "/api/products/products/",
        201,
        owner,
        json={
            "name": "Чехол",
            "sku": "CASE-1",
            "barcode": "4600000000001",
            "sale_price": "5000.00",
            "cost_price": 2000,
            "min_stock": 2,
            "initial_stock": 3,
        },
    )
    assert (case["stock_quantity"], case["min_stock"]) == ("3.000", "2.000")
    spare = await call(
        api, "POST", "/api/products/products/", 201, owner, json={"name": "Spare", "sale_price": 1}
    )
    await call(api, "DELETE", f"/api/products/products/{spare['id']}/", 204, owner)
    await call(api, "GET", f"/api/products/products/{spare['id']}/", 404, owner)
    stocked = await call(
        api,
        "POST",
        f"/api/products/products/{iphone['id']}/adjust-stock/",
        200,
        owner,
        json={"quantity": "10", "note": "поставка"},
    )
    assert stocked["stock_quantity"] == "10.000"
    found = await call(api, "GET", "/api/products/products/?search=1234567890123", 200, owner)
    assert [p["id"] for p in found["results"]] == [iphone["id"]]
    in_category = await call(
        api, "GET", f"/api/products/products/?category={category['id']}&is_active=true", 200, owner
    )
    assert in_category["count"] == 1
    by_price = await call(api, "GET", "/api/products/products/?ordering=sale_price", 200, owner)
    assert [p["name"] for p in by_price["results"]] == ["Чехол", "iPhone 14 Pro"]
    newest = await call(api, "GET", "/api/products/products/?ordering=-created_at", 200, owner)
    assert newest["results"][0]["name"] == "Чехол"
    patched = await call(
        api,
        "PATCH",
        f"/api/products/products/{case['id']}/",
        200,
        owner,
        json={"description": "Силикон"},
    )
    assert patched["description"] == "Силикон" and patched["sale_price"] == "5000.00"
    assert (await call(api, "GET", f"/api/products/products/{iphone['id']}/", 200, owner))[
        "name"
    ] == PRODUCT["name"]
    low = await call(api, "GET", "/api/products/products/low-stock/", 200, owner)
    assert low == []

    # 3. A shift with both checkout examples.
    opened = await call(
        api, "POST", "/api/sales/sessions/open/", 201, owner, json={"opening_balance": 100000}
    )
    session = opened["data"]
    assert session["opening_balance"] == "100000.00" and session["status"] == "open"
    second_open = await call(
        api, "POST", "/api/sales/sessions/open/", 400, owner, json={"opening_balance": 0}
    )
    assert_error(second_open)
    current = await call(api, "GET", "/api/sales/sessions/current/", 200, owner)
    assert current["data"]["id"] == session["id"]

    scanned = await call(
        api,
        "POST",
        "/api/sales/sales/scan-item/",
        200,
        owner,
        json={"session": session["id"], "product": iphone["id"], "quantity": 2, "batch": None},
    )
    assert (scanned["status"], scanned["message"]) == ("success", "Товар добавлен")
    sale = scanned["data"]
    assert sale["status"] == "pending" and sale["total_amount"] == "150000.00"
    assert sale["receipt_number"].startswith("CHECK-")
    draft = await call(api, "GET", f"/api/sales/sales/current/?session={session['id']}", 200, owner)
    assert draft["data"]["id"] == sale["id"]
    added = await call(
        api,
        "POST",
        f"/api/sales/sales/{sale['id']}/add-item/",
        200,
        owner,
        json={"product": case["id"], "quantity": 1, "batch": None},
    )
    case_line = next(i for i in added["data"]["items"] if i["product"] == case["id"])
    assert added["data"]["total_amount"] == "155000.00"
    removed = await call(
        api,
        "DELETE",
        f"/api/sales/sales/{sale['id']}/remove-item/",
        200,
        owner,
        json={"item_id": case_line["id"]},
    )
    assert removed["data"]["total_amount"] == "150000.00"
    short = await call(
        api,
        "POST",
        f"/api/sales/sales/{sale['id']}/checkout/",
        400,
        owner,
        json={
            "payments": [{"payment_method": "cash", "amount": 150000, "received_amount": 100000}]
        },
    )
    assert "payments.0.received_amount" in short["errors"]
    paid = await _checkout(api, owner, sale["id"], CHECKOUT_CASH, "checkout-1")
    assert paid["data"]["status"] == "completed" and paid["data"]["change_amount"] == "50000.00"
    replay = await _checkout(api, owner, sale["id"], CHECKOUT_CASH, "checkout-1")
    assert replay == paid

    split_sale = (
        await call(
            api,
            "POST",
            "/api/sales/sales/scan-item/",
            200,
            owner,
            json={"session": session["id"], "barcode": "1234567890123", "quantity": 2},
        )
    )["data"]
    assert split_sale["id"] != sale["id"]
    split = await _checkout(api, owner, split_sale["id"], CHECKOUT_SPLIT, "checkout-2")
    assert [p["payment_method"] for p in split["data"]["payments"]] == ["cash", "card"]
    assert split["data"]["payments"][1]["card_last4"] == "4242"

    dropped = (
        await call(
            api,
            "POST",
            "/api/sales/sales/scan-item/",
            200,
            owner,
            json={"session": session["id"], "product": case["id"], "quantity": 1},
        )
    )["data"]
    cancelled = await call(api, "POST", f"/api/sales/sales/{dropped['id']}/cancel/", 200, owner)
    assert cancelled["data"]["status"] == "cancelled"
    refunded = await call(api, "POST", f"/api/sales/sales/{split_sale['id']}/refund/", 200, owner)
    assert (
        refunded["data"]["status"] == "refunded"
        and refunded["data"]["refunded_amount"] == "150000.00"
    )
    await call(api, "POST", f"/api/sales/sales/{split_sale['id']}/refund/", 400, owner)

    every = await call(api, "GET", "/api/sales/sales/", 200, owner)
    assert every["count"] == 3
    assert (await call(api, "GET", "/api/sales/sales/?status=completed", 200, owner))["count"] == 1
    assert (await call(api, "GET", f"/api/sales/sales/?session={session['id']}", 200, owner))[
        "count"
    ] == 3
    by_receipt = await call(
        api, "GET", f"/api/sales/sales/?search={sale['receipt_number']}", 200, owner
    )
    assert [s["id"] for s in by_receipt["results"]] == [sale["id"]]
    assert (await call(api, "GET", "/api/sales/sales/today/", 200, owner))["count"] == 3
    assert (await call(api, "GET", f"/api/sales/sales/{sale['id']}/", 200, owner))[
        "status"
    ] == "completed"

    closed = await call(
        api,
        "POST",
        f"/api/sales/sessions/{session['id']}/close/",
        200,
        owner,
        json={"actual_cash": 250000},
    )
    report = closed["data"]
    assert (report["expected_cash"], report["actual_cash"], report["cash_difference"]) == (
        "250000.00",
        "250000.00",
        "0.00",
    )
    again_report = await call(
        api, "GET", f"/api/sales/sessions/{session['id']}/report/", 200, owner
    )
    assert again_report["data"]["total_sales"] == "300000.00"
    assert again_report["data"]["by_payment_method"]["card"] == {"count": 1, "amount": "50000.00"}
    assert (
        again_report["data"]["refunds_count"] == 1
        and again_report["data"]["cancellations_count"] == 1
    )

    # 4. Analytics.
    today = await call(api, "GET", "/api/analytics/daily-sales/today/", 200, owner)
    assert (today["total_sales"], today["total_sales_count"], today["total_items_sold"]) == (
        "150000.00",
        1,
        "2.000",
    )
    assert today["avg_sale_amount"] == "150000.00" and today["total_tax"] == "16071.00"
    days = await call(api, "GET", "/api/analytics/daily-sales/", 200, owner)
    assert days[0]["date"] == today["date"] and len(days) == 30
    period = await call(
        api,
        "GET",
        f"/api/analytics/daily-sales/period/?start_date={today['date']}&end_date={today['date']}",
        200,
        owner,
    )
    assert period["period"]["days"] == 1 and period["totals"]["total_sales"] == "150000.00"
    bad_period = await call(
        api,
        "GET",
        "/api/analytics/daily-sales/period/?start_date=2025-01-31&end_date=2025-01-01",
        400,
        owner,
    )
    assert_error(bad_period)
    trends = await call(api, "GET", "/api/analytics/daily-sales/trends/?days=30", 200, owner)
    assert len(trends["trends"]) == 30 and trends["trends"][-1]["total_sales"] == "150000.00"
    top = await call(
        api,
        "GET",
        "/api/analytics/product-performance/top-products/?limit=10&order_by=revenue",
        200,
        owner,
    )
    assert top["top_products"] == [
        {
            "product_id": iphone["id"],
            "product_name": "iPhone 14 Pro",
            "product_code": "IPHONE-14-PRO",
            "total_revenue": "150000.00",
            "total_quantity": "2.000",
            "total_profit": "50000.00",
            "sales_count": 1,
        }
    ]
    slow = await call(
        api, "GET", "/api/analytics/product-performance/slow-movers/?days=30", 200, owner
    )
    assert slow["slow_movers"][0]["product_name"] == "Чехол"
    segments = await call(api, "GET", "/api/analytics/customer-analytics/segments/", 200, owner)
    assert [s["segment"] for s in segments["segments"]][:2] == ["Champions", "Loyal Customers"]
    assert len(segments["segments"]) == 10
    await call(api, "GET", "/api/analytics/customer-analytics/at-risk/", 200, owner)
    latest = await call(api, "GET", "/api/analytics/inventory-snapshots/latest/", 200, owner)
    by_name = {p["product"]["name"]: p for p in latest["products"]}
    assert by_name["iPhone 14 Pro"]["quantity_on_hand"] == "8.000"
    assert by_name["Чехол"]["quantity_on_hand"] == "3.000"
    alerts = await call(
        api, "GET", "/api/analytics/inventory-snapshots/low-stock-alerts/", 200, owner
    )
    assert alerts["count"] == 0 and alerts["date"] == today["date"]
    empty = await call(api, "GET", "/api/analytics/inventory-snapshots/out-of-stock/", 200, owner)
    assert empty["count"] == 0

    # 5. Tasks.
    me = profile["data"]["id"]
    task = await call(
        api, "POST", "/api/tasks/tasks/", 201, owner, json={**TASK, "assigned_to": me}
    )
    assert (task["status"], task["priority"], task["category"]) == ("pending", "high", "inventory")
    for query in ("status=pending", "priority=high", f"assigned_to={me}", "category=inventory"):
        assert (await call(api, "GET", f"/api/tasks/tasks/?{query}", 200, owner))["count"] == 1
    assert [t["id"] for t in await call(api, "GET", "/api/tasks/tasks/my-tasks/", 200, owner)] == [
        task["id"]
    ]
    assert await call(api, "GET", "/api/tasks/tasks/today/", 200, owner) == []
    assert [t["id"] for t in await call(api, "GET", "/api/tasks/tasks/overdue/", 200, owner)] == [
        task["id"]
    ]
    path = f"/api/tasks/tasks/{task['id']}"
    assert (await call(api, "POST", f"{path}/start/", 200, owner))["status"] == "in_progress"
    assert (await call(api, "POST", f"{path}/submit-for-review/", 200, owner))[
        "status"
    ] == "on_review"
    rejected = await call(
        api, "POST", f"{path}/reject/", 200, owner, json={"comment": "Не все пункты выполнены"}
    )
    assert rejected["status"] == "in_progress"
    await call(api, "POST", f"{path}/submit-for-review/", 200, owner)
    assert (await call(api, "POST", f"{path}/approve/", 200, owner))["status"] == "completed"
    await call(api, "POST", f"{path}/start/", 400, owner)
    comment = await call(
        api,
        "POST",
        "/api/tasks/comments/",
        201,
        owner,
        json={"task": task["id"], "comment": "Работаю над задачей"},
    )
    comments = await call(api, "GET", f"/api/tasks/comments/?task={task['id']}", 200, owner)
    assert [c["comment"] for c in comments] == ["Не все пункты выполнены", "Работаю над задачей"]
    assert comments[-1]["id"] == comment["id"]
    other = await call(
        api,
        "POST",
        "/api/tasks/tasks/",
        201,
        owner,
        json={"title": "Уборка", "category": "cleaning"},
    )
    await call(api, "POST", f"/api/tasks/tasks/{other['id']}/start/", 200, owner)
    assert (await call(api, "POST", f"/api/tasks/tasks/{other['id']}/complete/", 200, owner))[
        "status"
    ] == "completed"
    third = await call(api, "POST", "/api/tasks/tasks/", 201, owner, json={"title": "Витрина"})
    assert (await call(api, "POST", f"/api/tasks/tasks/{third['id']}/cancel/", 200, owner))[
        "status"
    ] == "cancelled"
    stats = await call(api, "GET", "/api/tasks/tasks/stats/", 200, owner)
    assert stats == {
        "total": 3,
        "by_status": {
            "pending": 0,
            "in_progress": 0,
            "on_review": 0,
            "completed": 2,
            "cancelled": 1,
        },
        "by_priority": {"low": 0, "medium": 2, "high": 1, "urgent": 0},
        "overdue": 0,
    }
    template = await call(
        api,
        "POST",
        "/api/tasks/templates/",
        201,
        owner,
        json={"title": "Инвентаризация", "category": "inventory", "priority": "medium"},
    )
    templates = await call(api, "GET", "/api/tasks/templates/", 200, owner)
    assert [t["id"] for t in templates["results"]] == [template["id"]]
    from_template = await call(
        api,
        "POST",
        f"/api/tasks/templates/{template['id']}/create-task/",
        201,
        owner,
        json={"assigned_to": me, "due_date": "2025-01-25T18:00:00Z"},
    )
    assert (from_template["title"], from_template["assigned_to"], from_template["is_template"]) == (
        "Инвентаризация",
        me,
        False,
    )

    # 6. Customers.
    customer = await call(api, "POST", "/api/customers/customers/", 201, owner, json=CUSTOMER)
    assert customer["phone"] == "+998901234567" and customer["address"] == "Tashkent, Uzbekistan"
    assert (await call(api, "GET", "/api/customers/customers/", 200, owner))["count"] == 1
    assert (await call(api, "GET", f"/api/customers/customers/{customer['id']}/", 200, owner))[
        "name"
    ] == "Test Customer"
    history = await call(
        api, "GET", f"/api/customers/customers/{customer['id']}/purchase-history/", 200, owner
    )
    assert history["purchases"] == []

    # 7. Tenancy, roles, docs.
    other_shop = await make_shop("Other Store")
    stranger = await make_member(other_shop, Role.OWNER)
    outsider = auth(token_for(runtime, stranger, other_shop))
    for path in (
        f"/api/products/products/{iphone['id']}/",
        f"/api/sales/sales/{sale['id']}/",
        f"/api/sales/sessions/{session['id']}/report/",
        f"/api/customers/customers/{customer['id']}/",
        f"/api/tasks/tasks/{task['id']}/",
    ):
        assert_error(await call(api, "GET", path, 404, outsider), "not_found")
    for page_path in ("/swagger/", "/redoc/"):
        response = await api.get(page_path)
        assert response.status == 200 and "text/html" in response.headers["Content-Type"]
    assert await StockMove.filter(sale_id=sale["id"]).count() == 1


async def _checkout(
    api: TestClient, headers: dict[str, str], sale_id: int, body: Any, key: str
) -> Any:
    return await call(
        api,
        "POST",
        f"/api/sales/sales/{sale_id}/checkout/",
        200,
        {**headers, "Idempotency-Key": key},
        json=body,
    )
