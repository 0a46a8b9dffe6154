"""Order cards in the shop's staff chat, and the staff side's outbox rows.

- bot.subscribers queues, on every order event, a `telegram` outbox row of event type
  `staff.order_card` (key `card:<order id>`, so a card's rows go out in order), and on
  `order.issue_reported` a `staff.issue_alert`. `register_renderers()` registers
  renderers for these rows with bot.notify's `telegram` deliverer, and one for the
  customer's bouquet approval request (core.approval), which uploads the cleaned photo
  when Telegram has no file id for it yet.
- The card renderer reads the order as it is now (core.staff.order_card), posts the card
  the first time and edits it in place afterwards (Order.staff_card_chat_id/message_id).
  A row that finds nothing changed is done; a card that can no longer be edited
  (deleted, too old) is posted again.

The card shows number, items, total, window, address, recipient, status, approval, team,
flowers the day's orders need that stock cannot cover, the open issue, and the status
history with who pressed and when (shop time). Its buttons are `StaffCardCb` presses
handled by bot.routers.staff.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
from aiogram.filters.callback_data import CallbackData
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.actions import telegram_address
from bot.i18n import render, shared_i18n
from bot.notify import keyboard, register_renderer, telegram_view
from bot.subscribers import CARD_EVENT, ISSUE_ALERT_EVENT
from bot.texts import N_, money, status_name
from core import approval, staff
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.models import ApprovalStatus, DeliveryMethod, IssueType, OutboxEvent, PhotoKind
from core.orders import rules
from core.orders.status import InvalidTransition, OrderStatus
from core.outbox import PermanentFailure
from core.permissions import RoleForbidden
from core.photos import PhotoRejected, latest_photo, remember_file_id
from core.runtime import Runtime

log = logging.getLogger(__name__)

APPROVAL_REQUEST_EVENT = "approval_request"
HISTORY_LINES = 8
S = OrderStatus


class StaffCardCb(CallbackData, prefix="sc"):
    """A press on an order card: `action` is one of CARD_ACTIONS or a picker action."""

    action: str
    order_id: int


class TeamCb(CallbackData, prefix="st"):
    """A pick in the florist/courier list under a card; user_id 0 closes the list."""

    role: str
    order_id: int
    user_id: int


class IssueCb(CallbackData, prefix="si"):
    """A problem type picked for an order (staff card or courier); `other` included."""

    order_id: int
    issue: str


# Card actions that move the status, and where to.
MOVES: dict[str, OrderStatus] = {
    "paid": S.PAID,
    "produce": S.IN_PRODUCTION,
    "ship": S.IN_DELIVERY,
    "pickup": S.AWAITING_PICKUP,
    "delivered": S.DELIVERED,
    "complete": S.COMPLETED,
}

ISSUE_NAMES: dict[IssueType, str] = {
    IssueType.WRONG_ADDRESS: N_("Wrong address"),
    IssueType.RECIPIENT_UNAVAILABLE: N_("Recipient unavailable"),
    IssueType.QUALITY_ISSUE: N_("Quality problem"),
    IssueType.WRONG_ORDER: N_("Wrong order"),
    IssueType.DELIVERY_DELAY: N_("Delivery delayed"),
    IssueType.OTHER: N_("Other problem"),
}


def issue_name(issue: IssueType | str) -> str:
    return _(ISSUE_NAMES[IssueType(issue)])


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _when(moment: Any) -> str:
    return f"{moment:%d.%m %H:%M}"


def window_text(card: staff.OrderCard) -> str:
    if card.window_from is not None:
        end = f"–{card.window_to:%H:%M}" if card.window_to is not None else ""
        return f"{card.window_from:%d.%m %H:%M}{end}"
    return card.window_text or "—"


def approval_line(card: staff.OrderCard) -> str | None:
    status = ApprovalStatus(card.approval_status)
    if status is ApprovalStatus.PENDING:
        return _("⏳ Waiting for the customer to approve the bouquet")
    if status is ApprovalStatus.APPROVED:
        return _("👍 The customer approved the bouquet")
    if status is ApprovalStatus.AUTO_APPROVED:
        return _("⏱ Approved automatically: no answer in time")
    if status is ApprovalStatus.CHANGE_REQUESTED:
        return _("✏️ The customer asked for a change: {comment}").format(
            comment=card.approval_comment or "—"
        )
    return None


def card_text(card: staff.OrderCard) -> str:
    """The card in the current language (call inside an i18n locale)."""
    lines = [
        _("🧾 Order #{number} — {total}").format(
            number=card.number, total=money(card.total, card.currency)
        ),
        _("Status: {status}").format(status=status_name(card.status)),
    ]
    approval_text = approval_line(card)
    if approval_text:
        lines.append(approval_text)
    if card.issue is not None:
        issue, comment = card.issue
        lines.append(
            _("❗ Problem: {issue}").format(issue=issue_name(issue))
            + (f" — {comment}" if comment else "")
        )
    lines.append(_("🗓 {window}").format(window=window_text(card)))
    if card.delivery_method is DeliveryMethod.PICKUP:
        lines.append(_("🏬 Pickup"))
    else:
        lines.append(_("📍 {address}").format(address=card.address or "—"))
    if card.recipient_name or card.recipient_phone:
        lines.append(
            _("👤 {name} {phone}")
            .format(name=card.recipient_name or "", phone=card.recipient_phone or "")
            .strip()
        )
    for item in card.items:
        lines.append(f"💐 {item.name} × {item.quantity}")
    if card.card_text:
        lines.append(_("✉️ Card: {text}").format(text=card.card_text))
    if card.comment:
        lines.append(_("💬 {comment}").format(comment=card.comment))
    lines.append(
        _("👩‍🌾 Florists: {names}").format(names=", ".join(card.florists) if card.florists else "—")
    )
    lines.append(_("🚚 Courier: {name}").format(name=card.courier or "—"))
    for shortage in card.shortages:
        lines.append(
            _("⚠️ Low stock: {name} — today's orders need {need}, {have} on hand").format(
                name=shortage.name,
                need=_quantity(shortage.need),
                have=_quantity(shortage.have),
            )
        )
    if card.history:
        lines.append("")
        for step in card.history[-HISTORY_LINES:]:
            who = step.actor_label or "—"
            lines.append(f"{_when(step.at)} {status_name(step.status)} — {who}")
    return "\n".join(lines)[:4096]


def card_keyboard(card: staff.OrderCard) -> InlineKeyboardMarkup | None:
    """The card's buttons; a closed order has none."""
    if card.closed:
        return None

    def button(text: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=StaffCardCb(action=action, order_id=card.order_id).pack()
        )

    rows = [
        [button(_("💳 Mark paid"), "paid"), button(_("🌸 Start production"), "produce")],
        [button(_("👩‍🌾 Florists"), "florists"), button(_("💐 Assembled"), "assembled")],
        [button(_("🚚 Courier"), "courier")],
    ]
    nxt = rows[2]
    if card.status is S.ASSEMBLED:
        if card.delivery_method is DeliveryMethod.PICKUP:
            nxt.append(button(_("🏬 Ready for pickup"), "pickup"))
        else:
            nxt.append(button(_("🛵 Out for delivery"), "ship"))
    elif card.status in (S.IN_DELIVERY, S.AWAITING_PICKUP):
        nxt.append(button(_("✅ Delivered"), "delivered"))
    elif card.status is S.DELIVERED:
        nxt.append(button(_("🏁 Complete"), "complete"))
    elif card.status is S.ISSUE:
        nxt.append(button(_("↩️ Resolve"), "resolve"))
    rows.append([button(_("⚠️ Report a problem"), "issue"), button(_("✖️ Cancel"), "cancel")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def issue_keyboard(order_id: int) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=issue_name(issue),
                callback_data=IssueCb(order_id=order_id, issue=issue.value).pack(),
            )
        ]
        for issue in IssueType
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=_("Close"),
                callback_data=StaffCardCb(action="dismiss", order_id=order_id).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def explain(error: Exception) -> str:
    """A short answer (a callback alert holds 200 characters) for a refused press."""
    if isinstance(error, rules.NotYours):
        return _("This delivery is assigned to another courier.")
    if isinstance(error, RoleForbidden):
        return _("Your role cannot do this.")
    if isinstance(error, rules.AwaitingApproval):
        return _("Waiting for the customer to approve the bouquet.")
    if isinstance(error, rules.PhotoRequired):
        return _("Send a photo of the delivered order first.")
    if isinstance(error, PhotoRejected):
        if error.reason == "too_large":
            return _("The photo is larger than 10 MB. Send a smaller one.")
        return _("This is not a photo. Send a picture, please.")
    if isinstance(error, InvalidTransition):
        return _("Not possible now: the order is “{status}”.").format(
            status=status_name(error.current)
        )
    if isinstance(error, ValidationFailed):
        return _("An order needs one to three florists, and the people must work in the shop.")
    if isinstance(error, NotFound):
        return _("Order not found.")
    if isinstance(error, Forbidden):
        return _("Open a private chat with me and send /staff to share your contact first.")
    if isinstance(error, Conflict):
        if "stock" in error.detail.lower():
            return _("Not enough stock to assemble this order.")
        return _("This was already done.")
    return _("Something went wrong. Please try again.")


def _permanent(error: Exception) -> PermanentFailure:
    return PermanentFailure(f"telegram refused the message: {error}")


def _not_modified(error: TelegramBadRequest) -> bool:
    return "not modified" in str(error.message).lower()


def _in_language(language: str, build: Callable[[], Any]) -> Any:
    i18n = shared_i18n()
    with i18n.context(), i18n.use_locale(language):
        return build()


async def deliver_card(runtime: Runtime, bot: Bot, row: OutboxEvent) -> None:
    """Post the order's card, or edit it in place when it was posted before."""
    card = await staff.order_card(order_id=int(row.payload["order_id"]))
    if card.staff_chat_id is None:
        return
    text, markup = _in_language(card.language, lambda: (card_text(card), card_keyboard(card)))
    if card.card_chat_id == card.staff_chat_id and card.card_message_id is not None:
        try:
            await bot.edit_message_text(
                chat_id=card.staff_chat_id,
                message_id=card.card_message_id,
                text=text,
                reply_markup=markup,
            )
            return
        except TelegramBadRequest as error:
            if _not_modified(error):
                return
            log.info(
                "card of order %s cannot be edited (%s); posting it again", card.order_id, error
            )
        except (TelegramForbiddenError, TelegramNotFound) as error:
            raise _permanent(error) from error
    try:
        message = await bot.send_message(chat_id=card.staff_chat_id, text=text, reply_markup=markup)
    except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as error:
        raise _permanent(error) from error
    await staff.remember_card(
        order_id=card.order_id, chat_id=card.staff_chat_id, message_id=message.message_id
    )


async def deliver_issue_alert(runtime: Runtime, bot: Bot, row: OutboxEvent) -> None:
    card = await staff.order_card(order_id=int(row.payload["order_id"]))
    if card.staff_chat_id is None:
        return
    reporter = await staff.issue_reporter(order_id=card.order_id)

    def build() -> str:
        text = _("❗ Problem with order #{number}: {issue}").format(
            number=card.number, issue=issue_name(row.payload["issue_type"])
        )
        if row.payload.get("comment"):
            text += f"\n{row.payload['comment']}"
        if reporter:
            text += "\n" + _("Reported by {name}").format(name=reporter)
        return text

    text = _in_language(card.language, build)
    reply_to = card.card_message_id if card.card_chat_id == card.staff_chat_id else None
    try:
        await bot.send_message(
            chat_id=card.staff_chat_id,
            text=text,
            reply_to_message_id=reply_to,
            allow_sending_without_reply=True,
        )
    except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as error:
        raise _permanent(error) from error


async def deliver_approval_request(runtime: Runtime, bot: Bot, row: OutboxEvent) -> None:
    """The bouquet photo with Approve / Ask for a change, to the customer.

    Sent by its Telegram file id when we have one (an upload of the cleaned photo),
    else the cleaned file is uploaded and its new file id remembered.
    """
    payload = telegram_view(row.payload)
    language = str(payload.get("language") or "ru")
    caption = render(payload["text"], language, payload.get("params"))[:1024]
    markup = keyboard(payload.get("buttons"), language)
    photo = await latest_photo(order_id=int(payload["order_id"]), kind=PhotoKind.ASSEMBLED)
    source: Any = None
    if photo is not None and photo.telegram_file_id:
        source = photo.telegram_file_id
    elif photo is not None and photo.path:
        source = FSInputFile(photo.path, filename="bouquet.jpg")
    try:
        if source is None:
            await bot.send_message(
                chat_id=int(payload["chat_id"]), text=caption, reply_markup=markup
            )
            return
        message = await bot.send_photo(
            chat_id=int(payload["chat_id"]), photo=source, caption=caption, reply_markup=markup
        )
    except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as error:
        raise _permanent(error) from error
    if photo is not None and not photo.telegram_file_id and message.photo:
        await remember_file_id(photo_id=photo.id, file_id=message.photo[-1].file_id)
    if photo is not None:
        await _close_earlier_photos(bot, int(payload["order_id"]), photo.id, message)


async def _close_earlier_photos(bot: Bot, order_id: int, photo_id: int, shown: Any) -> None:
    """Record the photo just shown; the order's earlier approval photos in that chat lose
    their buttons (a press on one is refused anyway: core.approval.OutdatedPhoto)."""
    chat_id = shown.chat.id
    stale = await approval.remember_shown(
        order_id=order_id,
        photo_id=photo_id,
        address=telegram_address(chat_id),
        message_ref=str(shown.message_id),
    )
    for ref in stale:
        try:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=int(ref), reply_markup=None
            )
        except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound) as error:
            log.info("approval photo %s of order %s keeps its buttons: %s", ref, order_id, error)


def register_renderers() -> None:
    register_renderer(CARD_EVENT, deliver_card)
    register_renderer(ISSUE_ALERT_EVENT, deliver_issue_alert)
    register_renderer(APPROVAL_REQUEST_EVENT, deliver_approval_request)
