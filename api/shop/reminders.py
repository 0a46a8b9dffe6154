"""Shop contract addition: the reminders of a customer's important dates
(`GET /api/customers/{customer_id}/reminders`).

Not in the document; it shows what the scheduler did and will do with the dates the
document lets integrators store: every reminder sent (once per date and year) and the
next one of each date. `status` is `sent`, `scheduled`, or `no_channel` (the customer
has no chat linked yet, so the reminder waits for one). Times are UTC without an
offset, like the rest of this contract.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from aiohttp import web
from pydantic import BaseModel

from api.keys import RUNTIME
from api.shop import contract
from core import reminders
from core.auth.tokens import Principal
from core.dialects.shop import format_datetime


class ReminderOut(BaseModel):
    important_date_id: int
    date_type: Literal["birthday", "anniversary", "other"]
    date: dt.date
    recipient_name: str | None
    occurrence: dt.date
    remind_at: str
    status: Literal["sent", "scheduled", "no_channel"]
    sent_at: str | None
    channel: str | None
    reorder_order_id: int | None


class ReminderList(BaseModel):
    customer_id: int
    items: list[ReminderOut]
    total: int


@contract.get("/customers/{customer_id}/reminders", response=ReminderList, tags=("customers",))
async def list_reminders(
    request: web.Request, *, customer_id: int, principal: Principal
) -> ReminderList:
    """Reminders of a customer's important dates: sent ones and the next of each."""
    rows = await reminders.customer_reminders(
        shop_id=principal.shop_id,
        customer_id=customer_id,
        now=request.config_dict[RUNTIME].clock.now(),
    )
    items = [
        ReminderOut(
            important_date_id=row.important_date_id,
            date_type=row.date_type,  # type: ignore[arg-type]
            date=row.date,
            recipient_name=row.recipient_name,
            occurrence=row.occurrence,
            remind_at=format_datetime(row.remind_at) or "",
            status=row.status,  # type: ignore[arg-type]
            sent_at=format_datetime(row.sent_at),
            channel=row.channel,
            reorder_order_id=row.reorder_order_id,
        )
        for row in rows
    ]
    return ReminderList(customer_id=customer_id, items=items, total=len(items))
