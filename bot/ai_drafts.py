"""The assistant's drafts in the staff chat (core.assistant.drafts), and their buttons.

`register_renderers()` (called by bot.notify's deliverer) renders `staff.ai_draft` outbox rows
as a message in the staff chat: the customer's name and question, the draft answer, a
complaint flag, and Send / Edit / Discard buttons (`AiDraftCb`). `create_router()` (in
bot.routers.ROUTER_MODULES) handles the presses: a member of the chat's shop sends the
draft to the customer (marked ai_generated in the commerce inbox) or discards it; the
message then says who did what, without buttons. Edit asks for the text as a reply
(force reply); the member's reply to that prompt goes out instead of the draft. A press on a draft that was sent,
discarded or has expired answers an alert and changes nothing.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiogram.types import Message as TelegramMessage
from aiogram.utils.i18n import gettext as _

from bot.notify import register_renderer
from bot.staff_cards import _in_language, _permanent
from core import staff
from core.assistant import drafts
from core.errors import NotFound
from core.models import OutboxEvent
from core.runtime import Runtime


class AiDraftCb(CallbackData, prefix="ad"):
    action: str  # send, discard
    draft_id: str


def draft_text(draft: drafts.Draft) -> str:
    lines = [
        _("🤖 Draft answer to {name}").format(name=draft.customer_name or "—"),
        _("Customer: {question}").format(question=draft.question),
        "",
        draft.reply,
    ]
    if draft.complaint:
        lines += ["", _("⚠️ A complaint: answer personally, the draft is only a start.")]
    return "\n".join(lines)[:4096]


def draft_keyboard(draft: drafts.Draft) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=AiDraftCb(action=action, draft_id=draft.id).pack()
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("✉️ Send"), "send"),
                button(_("✏️ Edit"), "edit"),
                button(_("🗑 Discard"), "discard"),
            ]
        ]
    )


async def deliver_draft(runtime: Runtime, bot: Bot, row: OutboxEvent) -> None:
    """Post the draft in the staff chat (nothing when it is gone already)."""
    draft = await drafts.draft_of(kv=runtime.kv, draft_id=str(row.payload["draft_id"]))
    if draft is None or not row.destination:
        return
    shop = await staff.shop_by_id(shop_id=draft.shop_id)
    text, markup = _in_language(
        shop.locale or "ru", lambda: (draft_text(draft), draft_keyboard(draft))
    )
    try:
        await bot.send_message(chat_id=int(row.destination), text=text, reply_markup=markup)
    except TelegramBadRequest as error:
        raise _permanent(error) from error


async def on_draft_press(query: CallbackQuery, callback_data: AiDraftCb, runtime: Runtime) -> None:
    message = query.message if isinstance(query.message, TelegramMessage) else None
    shop = await staff.shop_of_staff_chat(chat_id=message.chat.id) if message else None
    member = (
        await staff.staff_member(telegram_id=query.from_user.id, shop_id=shop.id)
        if shop is not None
        else None
    )
    if shop is None or member is None:
        await query.answer(_("Your role cannot do this."), show_alert=True)
        return
    name = staff.display_name(member.user)
    if callback_data.action == "edit":
        draft = await drafts.draft_of(kv=runtime.kv, draft_id=callback_data.draft_id)
        if draft is None or draft.shop_id != shop.id or message is None:
            await query.answer(_("This draft was already sent or discarded."), show_alert=True)
            return
        prompt = await message.answer(
            _("Reply to this message with the text to send to {name}.").format(
                name=draft.customer_name or "—"
            ),
            reply_markup=ForceReply(selective=True),
        )
        await runtime.kv.set(
            _edit_key(prompt.chat.id, prompt.message_id), draft.id, ex=drafts.DRAFT_TTL
        )
        await query.answer()
        return
    try:
        if callback_data.action == "send":
            await drafts.send_draft(
                kv=runtime.kv,
                shop_id=shop.id,
                draft_id=callback_data.draft_id,
                user_id=member.user.id,
                now=runtime.clock.now(),
            )
            note = _("✅ Sent by {name}").format(name=name)
        else:
            await drafts.discard_draft(
                kv=runtime.kv, shop_id=shop.id, draft_id=callback_data.draft_id
            )
            note = _("🗑 Discarded by {name}").format(name=name)
    except NotFound:
        await query.answer(_("This draft was already sent or discarded."), show_alert=True)
        return
    if message is not None and message.text:
        await message.edit_text(f"{message.text}\n\n{note}"[:4096], reply_markup=None)
    await query.answer(note)


def _edit_key(chat_id: int, message_id: int) -> str:
    return f"sauda:ai_draft_edit:{chat_id}:{message_id}"


async def on_edited_text(message: TelegramMessage, runtime: Runtime) -> None:
    """A member's reply to an Edit prompt: that text goes out instead of the draft."""
    prompt = message.reply_to_message
    if prompt is None or message.from_user is None:
        raise SkipHandler()
    draft_id = await runtime.kv.get(_edit_key(message.chat.id, prompt.message_id))
    if draft_id is None:
        raise SkipHandler()
    shop = await staff.shop_of_staff_chat(chat_id=message.chat.id)
    member = (
        await staff.staff_member(telegram_id=message.from_user.id, shop_id=shop.id)
        if shop is not None
        else None
    )
    if shop is None or member is None:
        raise SkipHandler()
    try:
        await drafts.send_draft(
            kv=runtime.kv,
            shop_id=shop.id,
            draft_id=str(draft_id),
            user_id=member.user.id,
            now=runtime.clock.now(),
            text=message.text or "",
        )
    except NotFound:
        await message.reply(_("This draft was already sent or discarded."))
        return
    await runtime.kv.delete(_edit_key(message.chat.id, prompt.message_id))
    await message.reply(_("✅ Sent by {name}").format(name=staff.display_name(member.user)))


def create_router() -> Router:
    router = Router(name="staff.ai_drafts")
    router.callback_query.register(on_draft_press, AiDraftCb.filter())
    router.message.register(
        on_edited_text, F.chat.type.in_({"group", "supergroup"}), F.reply_to_message, F.text
    )
    return router


def register_renderers() -> None:
    register_renderer(drafts.DRAFT_EVENT, deliver_draft)
