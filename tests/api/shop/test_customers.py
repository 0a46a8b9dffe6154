"""Shop contract: /api/customers/ and important dates against the document (seed 000)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Customer, ImportantDate, OrderStatus, OutboxEvent
from core.orders.service import change_status, place_order
from core.runtime import Runtime
from tests.factories import make_shop, owner_headers

CUSTOMER_KEYS = {
    "id": int,
    "phone": str,
    "name": str,
    "email": (str, type(None)),
    "address": (str, type(None)),
    "birth_date": (str, type(None)),
    "preferences": (str, type(None)),
    "orders_count": int,
    "total_spent": int,
    "created_at": str,
}
DATE_KEYS = {
    "id": int,
    "customer_id": int,
    "date_type": str,
    "date": str,
    "description": str,
    "reminder_days": int,
}
EXAMPLE = {
    "phone": "+77017654321",
    "name": "Мария Иванова",
    "email": "maria@example.com",
    "address": "ул. Сатпаева 22",
    "birth_date": "1990-05-15",
    "preferences": "Любит белые розы",
}
DATE_EXAMPLE = {
    "date_type": "birthday",
    "date": "1990-05-15",
    "description": "День рождения",
    "reminder_days": 3,
}


def assert_shape(item: dict[str, Any], keys: dict[str, Any]) -> None:
    assert set(item) >= set(keys)
    for key, kind in keys.items():
        assert isinstance(item[key], kind), (key, item[key])


async def create(api: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/customers/", json=fields, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def ids(api: TestClient, headers: dict[str, str], **params: Any) -> list[int]:
    query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()}
    response = await api.get("/api/customers/", params=query, headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"items", "total"}
    for item in body["items"]:
        assert_shape(item, CUSTOMER_KEYS)
    return [item["id"] for item in body["items"]]


async def test_created_customer_reads_back_as_sent_and_is_announced(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    created = await create(api, headers, **EXAMPLE)
    assert_shape(created, CUSTOMER_KEYS)
    assert {k: created[k] for k in EXAMPLE} == EXAMPLE
    assert (created["orders_count"], created["total_spent"]) == (0, 0)
    assert created["important_dates"] == []
    one = await (await api.get(f"/api/customers/{created['id']}", headers=headers)).json()
    assert one == created
    # Registration is an event (a webhook subscriber may turn it into outbox rows).
    listed = await (await api.get("/api/customers/", headers=headers)).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == created["id"]


async def test_phones_are_normalised_and_unique_per_shop(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    created = await create(api, headers, phone="8 701 765 43 21", name="Мария")
    assert created["phone"] == "+77017654321"
    duplicate = await api.post(
        "/api/customers/", json={"phone": "+7 (701) 765-43-21", "name": "Другая"}, headers=headers
    )
    assert duplicate.status == 409
    assert set(await duplicate.json()) == {"detail"}
    assert await Customer.all().count() == 1
    # Another shop may have the same person.
    _, _, other = await owner_headers(runtime, await make_shop("Другой магазин"))
    await create(api, other, phone="+77017654321")


async def test_update_changes_only_the_given_fields_and_refuses_a_taken_phone(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    maria = await create(api, headers, **EXAMPLE)
    ivan = await create(api, headers, phone="+77011234567", name="Иван")
    response = await api.put(
        f"/api/customers/{maria['id']}",
        json={"name": "Мария Петрова", "email": None},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    updated = await response.json()
    assert (updated["name"], updated["email"], updated["phone"]) == (
        "Мария Петрова",
        None,
        EXAMPLE["phone"],
    )
    assert updated["preferences"] == EXAMPLE["preferences"]
    taken = await api.put(
        f"/api/customers/{ivan['id']}", json={"phone": EXAMPLE["phone"]}, headers=headers
    )
    assert taken.status == 409
    assert (await Customer.get(id=ivan["id"])).phone == "+77011234567"


async def test_delete_removes_the_customer_and_their_dates(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    maria = await create(api, headers, **EXAMPLE)
    await api.post(
        f"/api/customers/{maria['id']}/important-dates", json=DATE_EXAMPLE, headers=headers
    )
    response = await api.delete(f"/api/customers/{maria['id']}", headers=headers)
    assert response.status == 204
    assert (await api.get(f"/api/customers/{maria['id']}", headers=headers)).status == 404
    assert await ImportantDate.all().count() == 0


async def test_important_dates_of_every_type_are_kept_with_their_reminder(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    maria = await create(api, headers, **EXAMPLE)
    url = f"/api/customers/{maria['id']}/important-dates"
    response = await api.post(url, json=DATE_EXAMPLE, headers=headers)
    assert response.status == 201, await response.text()
    birthday = await response.json()
    assert_shape(birthday, DATE_KEYS)
    assert {k: birthday[k] for k in DATE_EXAMPLE} == DATE_EXAMPLE
    assert birthday["customer_id"] == maria["id"]
    for date_type, date in (("anniversary", "2015-08-01"), ("other", "2024-03-08")):
        answer = await api.post(
            url, json={"date_type": date_type, "date": date, "reminder_days": 7}, headers=headers
        )
        assert answer.status == 201
    listed = await (await api.get(url, headers=headers)).json()
    assert [d["date_type"] for d in listed["items"]] == ["birthday", "anniversary", "other"]
    assert listed["total"] == 3
    details = await (await api.get(f"/api/customers/{maria['id']}", headers=headers)).json()
    assert details["important_dates"] == listed["items"]

    gone = await api.delete(f"{url}/{birthday['id']}", headers=headers)
    assert gone.status == 204
    again = await api.delete(f"{url}/{birthday['id']}", headers=headers)
    assert again.status == 404
    assert (await (await api.get(url, headers=headers)).json())["total"] == 2


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"date": "1990-05-15"}, ["body", "date_type"]),
        ({"date_type": "wedding", "date": "1990-05-15"}, ["body", "date_type"]),
        ({"date_type": "birthday"}, ["body", "date"]),
        ({"date_type": "birthday", "date": "15.05.1990"}, ["body", "date"]),
        (
            {"date_type": "birthday", "date": "1990-05-15", "reminder_days": -1},
            ["body", "reminder_days"],
        ),
        (
            {"date_type": "birthday", "date": "1990-05-15", "reminder_days": 400},
            ["body", "reminder_days"],
        ),
        (
            {"date_type": "birthday", "date": "1990-05-15", "reminder_days": "soon"},
            ["body", "reminder_days"],
        ),
    ],
)
async def test_bad_important_dates_are_refused_and_nothing_is_written(
    api: TestClient, runtime: Runtime, payload: dict[str, Any], loc: list[str]
) -> None:
    _, _, headers = await owner_headers(runtime)
    maria = await create(api, headers, **EXAMPLE)
    response = await api.post(
        f"/api/customers/{maria['id']}/important-dates", json=payload, headers=headers
    )
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == loc
    assert await ImportantDate.all().count() == 0


async def test_every_filter_changes_the_answer(api: TestClient, runtime: Runtime) -> None:
    shop, _, headers = await owner_headers(runtime)
    maria = await create(api, headers, phone="+77017654321", name="Мария", email="m@example.com")
    ivan = await create(api, headers, phone="+77011234567", name="Иван", email="ivan@mail.kz")
    nobody = await create(api, headers, phone="+77770001122", name="Аноним")
    big = await place_order(shop_id=shop.id, customer_id=maria["id"], flower_sum=50000)
    await change_status(shop_id=shop.id, order_id=big.id, to=OrderStatus.PAID)
    await place_order(shop_id=shop.id, customer_id=ivan["id"], flower_sum=9000)  # unpaid
    cancelled = await place_order(shop_id=shop.id, customer_id=nobody["id"], flower_sum=7000)
    await change_status(shop_id=shop.id, order_id=cancelled.id, to=OrderStatus.CANCELLED)

    everyone = [maria["id"], ivan["id"], nobody["id"]]
    assert await ids(api, headers) == everyone
    assert await ids(api, headers, search="Мари") == [maria["id"]]
    assert await ids(api, headers, search="mail.kz") == [ivan["id"]]
    assert await ids(api, headers, search="7654321") == [maria["id"]]
    assert await ids(api, headers, search="8 701 123 45 67") == [ivan["id"]]
    assert await ids(api, headers, has_orders=True) == [maria["id"], ivan["id"]]
    assert await ids(api, headers, has_orders=False) == [nobody["id"]]
    assert await ids(api, headers, min_spent=1) == [maria["id"]]
    assert await ids(api, headers, min_spent=50000) == [maria["id"]]
    assert await ids(api, headers, min_spent=50001) == []
    assert await ids(api, headers, has_orders=True, search="Иван") == [ivan["id"]]
    listed = await (await api.get("/api/customers/", headers=headers)).json()
    summary = {i["id"]: (i["orders_count"], i["total_spent"]) for i in listed["items"]}
    assert summary == {maria["id"]: (1, 50000), ivan["id"]: (1, 0), nobody["id"]: (0, 0)}
    page = await (await api.get("/api/customers/?page=2&limit=2", headers=headers)).json()
    assert ([i["id"] for i in page["items"]], page["total"]) == ([nobody["id"]], 3)


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"name": "Без телефона"}, ["body", "phone"]),
        ({"phone": "12345"}, ["body", "phone"]),
        ({"phone": 77017654321}, ["body", "phone"]),
        ({"phone": "+77017654321", "email": "not-an-email"}, ["body", "email"]),
        ({"phone": "+77017654321", "birth_date": "yesterday"}, ["body", "birth_date"]),
        ({"phone": "+77017654321", "name": ["Мария"]}, ["body", "name"]),
    ],
)
async def test_bad_customers_are_refused_and_nothing_is_written(
    api: TestClient, runtime: Runtime, payload: dict[str, Any], loc: list[str]
) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.post("/api/customers/", json=payload, headers=headers)
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == loc
    assert await Customer.all().count() == 0
    assert await OutboxEvent.all().count() == 0


@pytest.mark.parametrize(
    "query",
    ["page=0", "limit=101", "limit=-5", "has_orders=sometimes", "min_spent=-1", "min_spent=lots"],
)
async def test_bad_list_queries_are_a_422(api: TestClient, runtime: Runtime, query: str) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.get(f"/api/customers/?{query}", headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"][0] == "query"


async def test_another_shops_customer_and_dates_are_not_found(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    other_shop = await make_shop("Чужой")
    _, _, other = await owner_headers(runtime, other_shop)
    theirs = await create(api, other, **EXAMPLE)
    date = await (
        await api.post(
            f"/api/customers/{theirs['id']}/important-dates", json=DATE_EXAMPLE, headers=other
        )
    ).json()
    base = f"/api/customers/{theirs['id']}"
    assert (await api.get(base, headers=headers)).status == 404
    assert (await api.put(base, json={"name": "X"}, headers=headers)).status == 404
    assert (await api.delete(base, headers=headers)).status == 404
    assert (await api.get(f"{base}/important-dates", headers=headers)).status == 404
    added = await api.post(f"{base}/important-dates", json=DATE_EXAMPLE, headers=headers)
    assert added.status == 404
    assert (await api.delete(f"{base}/important-dates/{date['id']}", headers=headers)).status == 404
    assert await ids(api, headers) == []
    assert (await Customer.get(id=theirs["id"])).name == EXAMPLE["name"]
    assert await ImportantDate.all().count() == 1
