"""GET /api/customers/{id}/reminders: what the scheduler sent and will send."""

from __future__ import annotations

from datetime import date

from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.models import DateType, ImportantDate
from core.runtime import Runtime
from tests.factories import owner_headers
from tests.scheduler.helpers import customer_of, runner_for, shop_in, utc


async def test_sent_and_scheduled_reminders_are_listed(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    shop = await shop_in("Asia/Almaty")
    shop, _, headers = await owner_headers(runtime, shop)
    customer = await customer_of(shop)
    birthday = await ImportantDate.create(
        shop=shop,
        customer=customer,
        date_type=DateType.BIRTHDAY,
        date=date(1990, 5, 15),
        recipient_name="Айгуль",
    )
    anniversary = await ImportantDate.create(
        shop=shop,
        customer=customer,
        date_type=DateType.ANNIVERSARY,
        date=date(2015, 9, 12),
        reminder_days=7,
    )
    clock.set(utc(2026, 5, 12, 5, 30))
    await runner_for(runtime).run_job("important_dates")

    response = await api.get(f"/api/customers/{customer.id}/reminders", headers=headers)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["customer_id"] == customer.id
    assert body["total"] == 3
    sent, next_birthday, next_anniversary = body["items"]
    assert sent == {
        "important_date_id": birthday.id,
        "date_type": "birthday",
        "date": "1990-05-15",
        "recipient_name": "Айгуль",
        "occurrence": "2026-05-15",
        "remind_at": "2026-05-12T05:00:00",
        "status": "sent",
        "sent_at": "2026-05-12T05:30:00",
        "channel": "telegram",
        "reorder_order_id": None,
    }
    assert next_birthday["occurrence"] == "2027-05-15"
    assert next_birthday["status"] == "scheduled"
    assert next_anniversary["important_date_id"] == anniversary.id
    assert next_anniversary["occurrence"] == "2026-09-12"
    assert next_anniversary["remind_at"] == "2026-09-05T05:00:00"


async def test_a_customer_without_a_chat_shows_reminders_waiting_for_one(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    shop, _, headers = await owner_headers(runtime, await shop_in("Asia/Tashkent"))
    customer = await customer_of(shop, linked=False)
    await ImportantDate.create(
        shop=shop, customer=customer, date_type=DateType.OTHER, date=date(2000, 1, 1)
    )
    clock.set(utc(2026, 5, 12, 5, 30))
    body = await (await api.get(f"/api/customers/{customer.id}/reminders", headers=headers)).json()
    assert [(i["status"], i["channel"], i["occurrence"]) for i in body["items"]] == [
        ("no_channel", None, "2027-01-01")
    ]


async def test_another_shops_customer_is_not_found(api: TestClient, runtime: Runtime) -> None:
    _, _, headers = await owner_headers(runtime)
    stranger = await customer_of(await shop_in("Asia/Almaty"))
    response = await api.get(f"/api/customers/{stranger.id}/reminders", headers=headers)
    assert response.status == 404
    response = await api.get(f"/api/customers/{stranger.id}/reminders")
    assert response.status == 401
