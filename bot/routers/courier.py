"""Couriers in the bot: today's deliveries, picking up, proof photos, delivered, problems.

- `/deliveries` (private chat of a linked courier): today's assigned deliveries in window
  order (shop time), each with address, window, recipient and phone, its status, and
  the location as a map pin when the order has one; buttons `DeliveryCb`.
- "Picked up" moves the order to `in_delivery` (core.staff.move_order: only the
  assigned courier, only once the customer approved the bouquet or nobody had to).
- Photos: after "Picked up" or "Photo" (CourierFlow.photo), or with exactly one order on
  its way, every photo the courier sends is stored as delivery proof (core.photos:
  checked with Pillow, EXIF/GPS stripped, at most 10 MB) and shown back cleaned.
- "Delivered" needs at least one delivery photo; "Problem" offers the problem types
  (IssueCb, handled by bot.routers.staff): the order moves to `issue` and the staff chat
  is alerted.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from bot.routers.staff_states import DELIVERY_ORDER_KEY, CourierFlow
from bot.staff_cards import explain, issue_keyboard
from bot.staff_media import download_image, has_image
from bot.texts import status_name
from core import staff
from core.errors import DomainError
from core.models import Order, Role
from core.orders.status import OrderStatus
from core.photos import remember_file_id
from core.runtime import Runtime


class DeliveryCb(CallbackData, prefix="dv"):
    action: str
    order_id: int


def delivery_keyboard(order_id: int) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=DeliveryCb(action=action, order_id=order_id).pack()
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("🛵 Picked up"), "picked"), button(_("📷 Photo"), "photo")],
            [button(_("✅ Delivered"), "delivered"), button(_("⚠️ Problem"), "problem")],
        ]
    )


def delivered_keyboard(order_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("✅ Delivered"),
                    callback_data=DeliveryCb(action="delivered", order_id=order_id).pack(),
                )
            ]
        ]
    )


def delivery_text(order: Order, timezone: str) -> str:
    zone = ZoneInfo(timezone)
    if order.delivery_from is not None:
        end = (
            f"–{order.delivery_to.astimezone(zone):%H:%M}" if order.delivery_to is not None else ""
        )
        window = f"{order.delivery_from.astimezone(zone):%d.%m %H:%M}{end}"
    else:
        window = order.delivery_time_range or "—"
    lines = [
        _("🚚 Order #{number} · {status}").format(
            number=order.number, status=status_name(order.status)
        ),
        _("🗓 {window}").format(window=window),
        _("📍 {address}").format(address=order.address or "—"),
        _("👤 {name} {phone}")
        .format(name=order.recipient_name or "", phone=order.recipient_phone or "")
        .strip(),
    ]
    if order.comment:
        lines.append(_("💬 {comment}").format(comment=order.comment))
    return "\n".join(lines)


async def list_deliveries(message: Message, runtime: Runtime) -> None:
    person = message.from_user
    if person is None:
        return
    members = [
        m for m in await staff.staff_memberships(telegram_id=person.id) if Role.COURIER in m.roles
    ]
    if not members:
        await message.answer(
            _("This is for couriers. Share your contact first: /staff"),
        )
        return
    found = False
    for member in members:
        shop = await staff.shop_by_id(shop_id=member.shop_id)
        today = staff.shop_today(shop, runtime.clock)
        for order in await staff.deliveries_of_day(member=member, day=today):
            found = True
            await message.answer(
                delivery_text(order, shop.timezone), reply_markup=delivery_keyboard(order.id)
            )
            if order.latitude is not None and order.longitude is not None:
                await message.answer_location(latitude=order.latitude, longitude=order.longitude)
    if not found:
        await message.answer(_("No deliveries for you today."))


async def _enter_photos(state: FSMContext, order_id: int) -> None:
    await state.set_state(CourierFlow.photo)
    await state.update_data({DELIVERY_ORDER_KEY: order_id})


async def _leave_photos(state: FSMContext) -> None:
    if await state.get_state() == CourierFlow.photo.state:
        await state.set_state(None)
    await state.update_data({DELIVERY_ORDER_KEY: None})


async def on_delivery_press(
    query: CallbackQuery, callback_data: DeliveryCb, state: FSMContext, runtime: Runtime
) -> None:
    order_id = callback_data.order_id
    message = query.message if isinstance(query.message, Message) else None
    try:
        member = await staff.member_for_order(telegram_id=query.from_user.id, order_id=order_id)
        if callback_data.action == "picked":
            order = await staff.move_order(
                member=member, order_id=order_id, to=OrderStatus.IN_DELIVERY, clock=runtime.clock
            )
            await _enter_photos(state, order_id)
            await query.answer(_("✓ {status}").format(status=status_name(order.status)))
            if message is not None:
                await message.answer(
                    _(
                        "Order #{number} is on its way. At the door, send one or more photos "
                        "here, then press Delivered."
                    ).format(number=order.number)
                )
        elif callback_data.action == "photo":
            order = await staff.delivery_for_photos(member=member, order_id=order_id)
            await _enter_photos(state, order_id)
            await query.answer()
            if message is not None:
                await message.answer(
                    _("Send photos of the delivery of order #{number}.").format(number=order.number)
                )
        elif callback_data.action == "delivered":
            order = await staff.move_order(
                member=member, order_id=order_id, to=OrderStatus.DELIVERED, clock=runtime.clock
            )
            if (await state.get_data()).get(DELIVERY_ORDER_KEY) == order_id:
                await _leave_photos(state)
            await query.answer(_("✓ {status}").format(status=status_name(order.status)))
            if message is not None:
                await message.answer(
                    _("Order #{number} is delivered. Thank you!").format(number=order.number)
                )
        elif callback_data.action == "problem":
            if message is not None:
                await message.answer(
                    _("What is the problem with this order?"),
                    reply_markup=issue_keyboard(order_id),
                )
            await query.answer()
        else:
            await query.answer()
    except DomainError as error:
        await query.answer(explain(error), show_alert=True)


class OneDeliveryOnTheWay(Filter):
    """A photo outside any flow goes to the courier's one order on its way, if there is
    exactly one (its id is handed to the handler as `delivery_order_id`)."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        if message.from_user is None:
            return False
        order_id = await staff.single_active_delivery(telegram_id=message.from_user.id)
        return {"delivery_order_id": order_id} if order_id is not None else False


async def on_photo(message: Message, state: FSMContext, bot: Bot, runtime: Runtime) -> None:
    order_id = (await state.get_data()).get(DELIVERY_ORDER_KEY)
    if order_id is None:
        await _leave_photos(state)
        await message.answer(_("Press “Photo” on the delivery first: /deliveries"))
        return
    await store_photo(message, int(order_id), bot, runtime)


async def on_photo_outside_flow(
    message: Message, delivery_order_id: int, bot: Bot, runtime: Runtime
) -> None:
    await store_photo(message, delivery_order_id, bot, runtime)


async def store_photo(message: Message, order_id: int, bot: Bot, runtime: Runtime) -> None:
    person = message.from_user
    if person is None:
        return
    settings = runtime.settings
    try:
        member = await staff.member_for_order(telegram_id=person.id, order_id=order_id)
        upload = await download_image(bot, message)
        photo = await staff.add_delivery_photo(
            member=member,
            order_id=order_id,
            data=upload.data,
            data_dir=settings.data_dir,
            public_base_url=settings.public_base_url,
        )
    except DomainError as error:
        await message.answer(explain(error))
        return
    number = await staff.order_number(order_id=order_id)
    sent = await message.answer_photo(
        FSInputFile(str(photo.path), filename="delivery.jpg"),
        caption=_(
            "Photo saved for order #{number}. Press Delivered when it is handed over."
        ).format(number=number),
        reply_markup=delivered_keyboard(order_id),
    )
    if sent.photo:
        await remember_file_id(photo_id=photo.id, file_id=sent.photo[-1].file_id)


async def on_not_photo(message: Message) -> None:
    await message.answer(_("Send a photo of the delivery, or press Delivered. /cancel to stop."))


async def on_cancel(message: Message, state: FSMContext) -> None:
    await _leave_photos(state)
    await message.answer(_("Stopped. Your deliveries: /deliveries"))


def create_router() -> Router:
    router = Router(name="courier")
    private = F.chat.type == "private"
    router.message.register(list_deliveries, Command("deliveries"), private)
    router.callback_query.register(on_delivery_press, DeliveryCb.filter())
    router.message.register(on_cancel, CourierFlow.photo, Command("cancel"))
    router.message.register(on_photo, CourierFlow.photo, F.func(has_image))
    router.message.register(
        on_photo_outside_flow, StateFilter(None), private, F.func(has_image), OneDeliveryOnTheWay()
    )
    router.message.register(on_not_photo, CourierFlow.photo)
    return router
