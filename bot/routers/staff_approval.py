"""The customer's answer to the bouquet photo (core.approval): Approve, or Ask for a change.

The photo arrives with two buttons, the actions `approval.approve` / `approval.change` of
the order (callback data through bot.actions, written by core.approval). "Approve" releases the bouquet to the courier. "Ask for a
change" asks what to change (ApprovalFlow.comment); the text sends the order back to
production and the florists are told why. Whatever conversation the customer was in
before (checkout, say) is restored afterwards.

An approval is for the photo it was shown on: the press's message names the photo
(core.approval.shown_photo), and a press on a photo a newer one replaced is refused
with a short alert and changes nothing (the deliverer takes the old photo's buttons
away as soon as the new one is out, bot.staff_cards).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.actions import ActionFilter, telegram_address
from bot.routers.staff_states import (
    APPROVAL_ORDER_KEY,
    APPROVAL_PHOTO_KEY,
    APPROVAL_RETURN_KEY,
    ApprovalFlow,
)
from core import approval
from core.errors import BadRequest, Conflict, DomainError
from core.ports.chat import Action
from core.runtime import Runtime


def answered_text(error: DomainError) -> str:
    if isinstance(error, approval.OutdatedPhoto):
        return _("This photo is outdated: please answer the newest photo of your bouquet.")
    if isinstance(error, Conflict):
        return _("This bouquet has already been answered. Thank you!")
    return _("This is not your order.")


async def _close_buttons(query: CallbackQuery) -> None:
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        await message.edit_reply_markup(reply_markup=None)


async def on_approval(
    query: CallbackQuery, action: Action, state: FSMContext, runtime: Runtime
) -> None:
    order_id, photo_id = approval.pressed(action.value)
    address = telegram_address(query.from_user.id)
    if photo_id is None and isinstance(query.message, Message):
        photo_id = await approval.shown_photo(
            order_id=order_id, address=address, message_ref=str(query.message.message_id)
        )
    if action.kind == "approval.approve":
        try:
            order = await approval.approve(
                order_id=order_id, address=address, photo_id=photo_id, clock=runtime.clock
            )
        except DomainError as error:
            await query.answer(answered_text(error), show_alert=True)
            return
        await _close_buttons(query)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                _("Thank you! Order #{number} is on its way to you soon.").format(
                    number=order.number
                )
            )
        return
    try:
        await approval.check_current(order_id=order_id, address=address, photo_id=photo_id)
    except DomainError as error:
        await query.answer(answered_text(error), show_alert=True)
        return
    previous = await state.get_state()
    await state.set_state(ApprovalFlow.comment)
    await state.update_data(
        {
            APPROVAL_ORDER_KEY: order_id,
            APPROVAL_PHOTO_KEY: photo_id,
            APPROVAL_RETURN_KEY: previous if previous != ApprovalFlow.comment.state else None,
        }
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_("What should the florist change? Write it in one message."))


async def _leave(state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(data.get(APPROVAL_RETURN_KEY))
    await state.update_data(
        {APPROVAL_ORDER_KEY: None, APPROVAL_PHOTO_KEY: None, APPROVAL_RETURN_KEY: None}
    )


async def on_change_text(message: Message, state: FSMContext, runtime: Runtime) -> None:
    data = await state.get_data()
    order_id = data.get(APPROVAL_ORDER_KEY)
    photo_id = data.get(APPROVAL_PHOTO_KEY)
    person = message.from_user
    if order_id is None or person is None:
        await _leave(state)
        return
    try:
        order = await approval.request_change(
            order_id=int(order_id),
            address=telegram_address(person.id),
            comment=message.text or "",
            photo_id=int(photo_id) if photo_id is not None else None,
            clock=runtime.clock,
        )
    except BadRequest:
        await message.answer(_("What should the florist change? Write it in one message."))
        return
    except DomainError as error:
        await _leave(state)
        await message.answer(answered_text(error))
        return
    await _leave(state)
    await message.answer(
        _(
            "Thank you! We passed it to the florist: order #{number} is being remade. "
            "You will get a new photo."
        ).format(number=order.number)
    )


async def on_change_not_text(message: Message) -> None:
    await message.answer(_("Please describe the change in words (or /cancel)."))


async def on_change_cancel(message: Message, state: FSMContext) -> None:
    await _leave(state)
    await message.answer(
        _("All right. You can still approve the bouquet or ask for a change on the photo.")
    )


def create_approval_router() -> Router:
    router = Router(name="staff_approval")
    router.callback_query.register(on_approval, ActionFilter("approval.approve", "approval.change"))
    router.message.register(on_change_cancel, ApprovalFlow.comment, Command("cancel"))
    router.message.register(on_change_text, ApprovalFlow.comment, F.text, ~F.text.startswith("/"))
    router.message.register(on_change_not_text, ApprovalFlow.comment)
    return router
