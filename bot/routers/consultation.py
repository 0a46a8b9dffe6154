"""Ask for a consultation in Telegram (a firm's customers), on the same core service as
the consult contract (core.consultations.service.request_consultation).

    /consultation -> topic (text) -> question (text)
                  -> time ("As soon as possible" or "25.12 15:00", the shop's time)
                  -> phone (the shared contact)            -> registered; /consultations

The consultation is synced to the firm's Chatwoot and 1C through the outbox like one
from the site; when Chatwoot moves it (taken, closed) the customer is told in this chat
(core.consultations.chatwoot_events).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, User
from aiogram.utils.i18n import gettext as _

from bot.actions import telegram_address
from bot.routers.customer import keyboards
from bot.routers.customer.common import ShopMiddleware
from bot.texts import current_language
from core.consultations import clients, service
from core.customers import link_chat
from core.errors import Conflict, DomainError, ValidationFailed
from core.flows import shop_chat
from core.models import Shop
from core.runtime import Runtime


class ConsultationStates(StatesGroup):
    topic = State()
    question = State()
    when = State()
    phone = State()


def _asap() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("As soon as possible"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def on_start(message: Message, state: FSMContext) -> None:
    await state.set_state(ConsultationStates.topic)
    await message.answer(
        _("What is your consultation about? Write the topic in a few words."),
        reply_markup=keyboards.only_cancel(),
    )


async def on_topic(message: Message, state: FSMContext) -> None:
    await state.update_data({"consultation_topic": (message.text or "")[:200]})
    await state.set_state(ConsultationStates.question)
    await message.answer(_("Describe your question in one message."))


async def on_question(message: Message, state: FSMContext) -> None:
    await state.update_data({"consultation_question": message.text or ""})
    await state.set_state(ConsultationStates.when)
    await message.answer(
        _("When would you like the consultation? Send a date and time like 25.12 15:00."),
        reply_markup=_asap(),
    )


async def on_when(message: Message, state: FSMContext, shop: Shop, runtime: Runtime) -> None:
    text = message.text or ""
    when = None
    if text != _("As soon as possible"):
        when = service.parse_when(text, zone=ZoneInfo(shop.timezone), now=runtime.clock.now())
        if when is None:
            await message.answer(
                _("Please send a future date and time like 25.12 15:00."), reply_markup=_asap()
            )
            return
    await state.update_data({"consultation_when": when.isoformat() if when else None})
    await state.set_state(ConsultationStates.phone)
    await message.answer(
        _("Share your phone number so the consultant can reach you."),
        reply_markup=keyboards.share_phone(),
    )


async def on_phone(
    message: Message, state: FSMContext, shop: Shop, runtime: Runtime, event_from_user: User
) -> None:
    assert message.contact is not None
    phone = message.contact.phone_number
    phone = phone if phone.startswith("+") else "+" + phone
    data = await state.get_data()
    when = data.get("consultation_when")
    try:
        requested = await service.request_consultation(
            shop_id=shop.id,
            details=service.ConsultationData(
                comment=str(data.get("consultation_question", "")),
                topic=data.get("consultation_topic"),
                scheduled_at=datetime.fromisoformat(when) if when else None,
                lang=service.chat_language(event_from_user.language_code),
            ),
            client=clients.ClientData(phone_number=phone),
            source="TELEGRAM",
            now=runtime.clock.now(),
        )
    except ValidationFailed:
        await message.answer(
            _(
                "This phone number does not look valid. Please share your phone number with the button."
            ),
            reply_markup=keyboards.share_phone(),
        )
        return
    except Conflict:
        await state.set_state(None)
        await message.answer(
            _(
                "This phone number belongs to another client of the firm. Please contact the firm directly."
            ),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    except DomainError:
        await state.set_state(None)
        await message.answer(
            _("Sorry, we could not register your request. Send /consultation to try again."),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    await link_chat(
        shop_id=shop.id,
        customer_id=requested.client.customer.id,
        address=telegram_address(event_from_user.id),
    )
    await state.set_state(None)
    await message.answer(
        _(
            "Thank you! Your consultation request is registered. We will tell you here when it is taken and when it is closed."
        ),
        reply_markup=ReplyKeyboardRemove(),
    )


async def on_phone_typed(message: Message) -> None:
    await message.answer(
        _("Please press the button to share your phone number."),
        reply_markup=keyboards.share_phone(),
    )


async def on_list(message: Message, shop: Shop, event_from_user: User) -> None:
    """The same list as the channel-neutral flow's (core.flows.shop_chat)."""
    rows = await service.chat_consultations(
        shop_id=shop.id, address=telegram_address(event_from_user.id)
    )
    if not rows:
        await message.answer(_("You have no consultations yet. Send /consultation to ask for one."))
        return
    lines = shop_chat.consultation_lines(current_language(), rows, ZoneInfo(shop.timezone))
    await message.answer("\n".join(lines))


def create_router() -> Router:
    router = Router(name="consultation")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.message.middleware(ShopMiddleware())
    router.message.register(on_start, Command("consultation"))
    router.message.register(on_list, Command("consultations"))
    text = (F.text, ~F.text.startswith("/"))
    router.message.register(on_topic, ConsultationStates.topic, *text)
    router.message.register(on_question, ConsultationStates.question, *text)
    router.message.register(on_when, ConsultationStates.when, *text)
    router.message.register(on_phone, ConsultationStates.phone, F.contact)
    router.message.register(on_phone_typed, ConsultationStates.phone, *text)
    return router
