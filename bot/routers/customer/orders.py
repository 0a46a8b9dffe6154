"""My orders: the newest orders of this person in this shop, and one order's details."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, User
from aiogram.utils.i18n import gettext as _

from bot.actions import telegram_address
from bot.routers.customer import keyboards
from bot.routers.customer.common import say
from bot.routers.customer.keyboards import MenuCb, OrderCb
from bot.texts import item_name, local_time, money, status_name
from core import storefront
from core.errors import NotFound
from core.models import DeliveryMethod, Shop
from core.runtime import Runtime


async def on_orders(event: Message | CallbackQuery, shop: Shop, event_from_user: User) -> None:
    orders = await storefront.customer_orders(
        shop_id=shop.id, address=telegram_address(event_from_user.id)
    )
    if not orders:
        await say(event, _("You have no orders yet."), keyboards.main_menu())
        return
    items = [
        (
            order.id,
            f"#{order.number} · {status_name(order.status)} · {money(order.total, shop.currency)}",
        )
        for order in orders
    ]
    await say(event, _("Your orders:"), keyboards.orders(items))


async def on_order(
    callback: CallbackQuery,
    callback_data: OrderCb,
    shop: Shop,
    event_from_user: User,
    runtime: Runtime,
) -> None:
    try:
        order, items = await storefront.customer_order(
            shop_id=shop.id,
            address=telegram_address(event_from_user.id),
            order_id=callback_data.order_id,
        )
    except NotFound:
        await callback.answer(_("Order not found."), show_alert=True)
        return
    currency = shop.currency
    lines = [
        _("Order #{number}").format(number=order.number),
        _("Status: {status}").format(status=status_name(order.status)),
        "",
    ]
    for item in items:
        name = item_name(item, shop)
        lines.append(f"• {name} × {item.quantity} — {money(item.total, currency)}")
    if order.delivery_fee:
        lines.append(_("Delivery: {sum}").format(sum=money(order.delivery_fee, currency)))
    lines.append(_("Total: {sum}").format(sum=money(order.total, currency)))
    lines.append("")
    if order.delivery_method == DeliveryMethod.DELIVERY and order.address:
        lines.append(_("Delivery to: {address}").format(address=order.address))
    if order.delivery_from is not None:
        window = order.delivery_time_range or ""
        lines.append(
            _("When: {day}, {window}").format(
                day=local_time(order.delivery_from, shop.timezone).rsplit(" ", 1)[0],
                window=window,
            )
        )
    base = runtime.settings.public_base_url.rstrip("/")
    if base:
        lines.append(
            _("Follow it here: {link}").format(link=f"{base}/tracking/{order.tracking_token}")
        )
    await say(callback, "\n".join(lines), keyboards.orders([]))


def create_router() -> Router:
    router = Router(name="customer.orders")
    router.message.register(on_orders, Command("myorders"))
    router.callback_query.register(on_orders, MenuCb.filter(F.action == "orders"))
    router.callback_query.register(on_order, OrderCb.filter())
    return router
