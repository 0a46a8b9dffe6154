"""Stock each morning: one snapshot per item and local day (what erp's analytics read),
taken by the first run after the shop's midnight, and a low-stock digest to the staff
chat after 08:00, once a local day. An item is low when its quantity is below its
minimum (the rule core.stock announces STOCK_LOW by)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from core.channels.telegram_out import send_chat_message
from core.jobs.once import do_once
from core.models import Shop, StockItem, StockSnapshot
from core.shoptime import local_now

DIGEST_HOUR = 8
KIND_LOW_STOCK = "low_stock_digest"


def _(message: str) -> str:
    return message


LOW_STOCK_DIGEST = _("📦 Running low today:\n{lines}")


def _fmt(quantity: Decimal) -> str:
    return f"{Decimal(quantity).normalize():f}"


async def take_stock_snapshots(*, shop_id: int, now: datetime) -> int:
    """Store today's (shop clock) snapshot of every item that has none yet; returns how many."""
    shop = await Shop.get(id=shop_id)
    day = local_now(shop, now).date()
    items = await StockItem.filter(shop_id=shop_id).order_by("id")
    taken = set(
        await StockSnapshot.filter(shop_id=shop_id, day=day).values_list("stock_item_id", flat=True)
    )
    missing = [
        StockSnapshot(
            shop_id=shop_id,
            stock_item_id=item.id,
            day=day,
            quantity=item.quantity,
            min_quantity=item.min_quantity,
        )
        for item in items
        if item.id not in taken
    ]
    if missing:
        # A concurrent run may have inserted some meanwhile: the unique (item, day) wins.
        await StockSnapshot.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


async def send_low_stock_digest(*, shop_id: int, now: datetime) -> bool:
    """After 08:00 (shop clock), once a day, list the low items to the staff chat.

    Outcomes: True (sent now), False (too early, no staff chat, done today). A day
    with nothing low is recorded without a message.
    """
    shop = await Shop.get(id=shop_id)
    local = local_now(shop, now)
    if shop.staff_chat_id is None or local.hour < DIGEST_HOUR:
        return False
    low = [
        item
        for item in await StockItem.filter(shop_id=shop_id).order_by("name", "id")
        if Decimal(item.quantity) < Decimal(item.min_quantity)
    ]
    lines = [
        f"• {item.name}{f' {item.variety}' if item.variety else ''}: "
        f"{_fmt(item.quantity)} / {_fmt(item.min_quantity)} {item.unit}"
        for item in low
    ]
    chat_id = shop.staff_chat_id

    async def send() -> None:
        if lines:
            await send_chat_message(
                chat_id=chat_id,
                text=LOW_STOCK_DIGEST,
                params={"lines": "\n".join(lines)},
                language=shop.locale,
                shop_id=shop.id,
                event_type=KIND_LOW_STOCK,
                now=now,
            )

    done = await do_once(
        shop_id=shop.id,
        kind=KIND_LOW_STOCK,
        ref=str(shop.id),
        period=local.date().isoformat(),
        now=now,
        action=send,
        payload={"items": [item.id for item in low]},
    )
    return done and bool(lines)
