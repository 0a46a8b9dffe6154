"""Shop contract: the florists' queue (/api/production/tasks/) against the document."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.models import Order, OrderStatus, Role, Task, TaskCategory
from core.orders.service import change_status, place_order
from core.runtime import Runtime
from tests.factories import make_member, make_shop, owner_headers

TASK_KEYS = {
    "id": int,
    "order_id": int,
    "task_type": str,
    "priority": str,
    "status": str,
    "deadline": (str, type(None)),
    "items": list,
    "florist_id": (int, type(None)),
    "comment": (str, type(None)),
    "created_at": str,
    "completed_at": (str, type(None)),
}


def example(order_id: int, **change: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "task_type": "bouquet",
        "priority": "urgent",
        "deadline": "2024-12-26T14:00:00",
        "items": [
            {"product_name": "Букет роз", "quantity": 1, "special_requests": "Добавить открытку"}
        ],
        **change,
    }


async def an_order(shop_id: int) -> Order:
    return await place_order(shop_id=shop_id, customer_phone="+77011234567", flower_sum=25000)


async def create(api: TestClient, headers: dict[str, str], payload: dict[str, Any]) -> Any:
    response = await api.post("/api/production/tasks/", json=payload, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_a_task_is_queued_for_an_order_as_the_document_shows(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    order = await an_order(shop.id)
    task = await create(api, headers, example(order.id))
    assert set(task) == set(TASK_KEYS)
    for key, kind in TASK_KEYS.items():
        assert isinstance(task[key], kind), key
    sent = example(order.id)
    assert {k: task[k] for k in sent} == sent
    assert (task["status"], task["florist_id"]) == ("pending", None)
    stored = await Task.get(id=task["id"])
    assert (stored.category, stored.order_id) == (TaskCategory.PRODUCTION, order.id)  # type: ignore[attr-defined]
    listed = await (await api.get("/api/production/tasks/", headers=headers)).json()
    assert listed == {"items": [task], "total": 1}


async def test_a_task_moves_through_the_documented_statuses(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    florist = await make_member(shop, Role.FLORIST)
    task = await create(api, headers, example((await an_order(shop.id)).id))
    url = f"/api/production/tasks/{task['id']}"
    assigned = await (await api.patch(url, json={"florist_id": florist.id}, headers=headers)).json()
    assert (assigned["status"], assigned["florist_id"]) == ("assigned", florist.id)
    for status in ("in_progress", "completed"):
        response = await api.patch(url, json={"status": status}, headers=headers)
        assert response.status == 200, await response.text()
        assert (await response.json())["status"] == status
    done = await (await api.get(url, headers=headers)).json()
    assert done["completed_at"] is not None
    backwards = await api.patch(url, json={"status": "pending"}, headers=headers)
    assert backwards.status == 400
    assert "Allowed next statuses" in (await backwards.json())["detail"]


async def test_every_filter_changes_the_answer(api: TestClient, runtime: Runtime) -> None:
    shop, _, headers = await owner_headers(runtime)
    florist = await make_member(shop, Role.FLORIST)
    first, second = await an_order(shop.id), await an_order(shop.id)
    bouquet = await create(api, headers, example(first.id))
    wedding = await create(
        api, headers, example(second.id, task_type="wedding", priority="low", florist_id=florist.id)
    )
    event = await create(api, headers, example(second.id, task_type="event", priority="normal"))
    await api.patch(
        f"/api/production/tasks/{event['id']}", json={"status": "in_progress"}, headers=headers
    )

    async def ids(query: str) -> list[int]:
        response = await api.get(f"/api/production/tasks/?{query}", headers=headers)
        assert response.status == 200, await response.text()
        return [t["id"] for t in (await response.json())["items"]]

    assert await ids("") == [bouquet["id"], wedding["id"], event["id"]]
    assert await ids("status=pending") == [bouquet["id"]]
    assert await ids("status=assigned") == [wedding["id"]]
    assert await ids("status=in_progress") == [event["id"]]
    assert await ids("status=completed") == []
    assert await ids("task_type=wedding") == [wedding["id"]]
    assert await ids("priority=urgent") == [bouquet["id"]]
    assert await ids("priority=low") == [wedding["id"]]
    assert await ids(f"order_id={second.id}") == [wedding["id"], event["id"]]
    assert await ids(f"florist_id={florist.id}") == [wedding["id"]]
    assert await ids("limit=1&page=3") == [event["id"]]


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"task_type": "funeral"}, ["body", "task_type"]),
        ({"priority": "asap"}, ["body", "priority"]),
        ({"deadline": "завтра"}, ["body", "deadline"]),
        ({"deadline": "0001-01-01T00:00:00+05:00"}, ["body", "deadline"]),
        ({"order_id": "first"}, ["body", "order_id"]),
        ({"items": [{"quantity": 1}]}, ["body", "items", 0, "product_name"]),
        ({"items": [{"product_name": "Розы", "quantity": 0}]}, ["body", "items", 0, "quantity"]),
    ],
)
async def test_bad_tasks_are_refused_and_nothing_is_written(
    api: TestClient, runtime: Runtime, change: dict[str, Any], loc: list[Any]
) -> None:
    shop, _, headers = await owner_headers(runtime)
    payload = {**example((await an_order(shop.id)).id), **change}
    response = await api.post("/api/production/tasks/", json=payload, headers=headers)
    assert response.status == 422, await response.text()
    assert (await response.json())["detail"][0]["loc"] == loc
    assert await Task.all().count() == 0


async def test_a_missing_order_id_is_a_422(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    payload = example(1)
    del payload["order_id"]
    response = await api.post("/api/production/tasks/", json=payload, headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["body", "order_id"]


async def test_another_shops_order_and_task_are_not_found(
    api: TestClient, runtime: Runtime
) -> None:
    _, _, headers = await owner_headers(runtime)
    other_shop = await make_shop("Чужой")
    _, _, other = await owner_headers(runtime, other_shop)
    their_order = await an_order(other_shop.id)
    response = await api.post(
        "/api/production/tasks/", json=example(their_order.id), headers=headers
    )
    assert response.status == 404
    assert await response.json() == {"detail": "Order not found"}
    assert await Task.all().count() == 0
    theirs = await create(api, other, example(their_order.id))
    url = f"/api/production/tasks/{theirs['id']}"
    assert (await api.get(url, headers=headers)).status == 404
    assert (await api.patch(url, json={"status": "in_progress"}, headers=headers)).status == 404
    assert (await Task.get(id=theirs["id"])).status == "pending"
    assert (await (await api.get("/api/production/tasks/", headers=headers)).json())["total"] == 0


async def test_a_closed_order_gets_no_work_and_a_non_florist_no_task(
    api: TestClient, runtime: Runtime
) -> None:
    shop, _, headers = await owner_headers(runtime)
    courier = await make_member(shop, Role.COURIER)
    order = await an_order(shop.id)
    response = await api.post(
        "/api/production/tasks/", json=example(order.id, florist_id=courier.id), headers=headers
    )
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"] == ["body", "florist_id"]
    await change_status(shop_id=shop.id, order_id=order.id, to=OrderStatus.CANCELLED)
    response = await api.post("/api/production/tasks/", json=example(order.id), headers=headers)
    assert response.status == 400
    assert await Task.all().count() == 0


@pytest.mark.parametrize("query", ["page=0", "limit=1000", "status=done", "priority=top"])
async def test_bad_list_queries_are_a_422(api: TestClient, runtime: Runtime, query: str) -> None:
    _, _, headers = await owner_headers(runtime)
    response = await api.get(f"/api/production/tasks/?{query}", headers=headers)
    assert response.status == 422
    assert (await response.json())["detail"][0]["loc"][0] == "query"
