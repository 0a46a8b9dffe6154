"""A task assigned over REST (erp contract) reaches the assignee in the staff bot through
the outbox, is started and submitted for review there with buttons, sent back with a
comment over REST (the assignee is told), submitted again, and approved over REST."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from core.models import OutboxEvent, OutboxStatus, Role, Task, TaskStatus
from sauda.wiring import build_outbox_worker
from tests.api.erp.test_integrator_walk import call
from tests.factories import auth, make_member, make_shop, token_for

CASHIER_TG = 7_100_001


async def drain(runtime: Any, clock: Any) -> int:
    await OutboxEvent.filter(status=OutboxStatus.PENDING, next_attempt_at__gt=clock.now()).update(
        next_attempt_at=clock.now()
    )
    return await build_outbox_worker(runtime).drain()


async def status_of(task_id: int) -> TaskStatus:
    return TaskStatus((await Task.get(id=task_id)).status)


async def test_task_assigned_over_rest_is_worked_in_the_bot_and_approved_over_rest(
    api: TestClient, bot_harness, telegram, runtime, clock
) -> None:
    shop = await make_shop("Магазин у дома")
    owner_user = await make_member(shop, Role.OWNER, name="Owner")
    cashier = await make_member(shop, Role.CASHIER, name="Saule")
    owner = auth(token_for(runtime, owner_user, shop))
    person = bot_harness.user(
        user_id=CASHIER_TG, first_name="Saule", language_code="en", phone=cashier.phone
    )
    await person.send("/staff")
    await person.share_contact()

    task = await call(
        api, "POST", "/api/tasks/tasks/", 201, owner,
        json={
            "title": "Проверить остатки товара",
            "description": "Провести инвентаризацию склада",
            "priority": "high",
            "category": "inventory",
            "assigned_to": cashier.id,
            "due_date": "2030-01-20T18:00:00Z",
        },
    )  # fmt: skip
    assert await drain(runtime, clock) >= 1
    notice = telegram.last(CASHIER_TG)
    assert "A new task for you" in notice.text and "Проверить остатки товара" in notice.text
    assert notice.button_texts() == ["▶️ Start"]

    await person.press("Start")
    assert await status_of(task["id"]) is TaskStatus.IN_PROGRESS
    assert "In progress" in telegram.last(CASHIER_TG).text
    await person.press("Submit for review")
    assert await status_of(task["id"]) is TaskStatus.REVIEW
    on_review = await call(api, "GET", f"/api/tasks/tasks/{task['id']}/", 200, owner)
    assert on_review["status"] == "on_review"
    cashier_rest = auth(token_for(runtime, cashier, shop, Role.CASHIER))
    await call(api, "POST", f"/api/tasks/tasks/{task['id']}/approve/", 403, cashier_rest)

    await call(
        api, "POST", f"/api/tasks/tasks/{task['id']}/reject/", 200, owner,
        json={"comment": "Не все пункты выполнены"},
    )  # fmt: skip
    await drain(runtime, clock)
    sent_back = telegram.last(CASHIER_TG)
    assert "Sent back for rework: Не все пункты выполнены" in sent_back.text
    await person.press("Submit for review")
    assert await status_of(task["id"]) is TaskStatus.REVIEW

    approved = await call(api, "POST", f"/api/tasks/tasks/{task['id']}/approve/", 200, owner)
    assert approved["status"] == "completed" and approved["completed_at"]
    await person.send("/tasks")
    assert telegram.last(CASHIER_TG).text == "You have no open tasks."
    # A stale button of the finished task changes nothing.
    await person.press_data(f"tk:start:{task['id']}")
    assert await status_of(task["id"]) is TaskStatus.COMPLETED
    assert telegram.calls_of("answerCallbackQuery")[-1].params.get("show_alert") is True
