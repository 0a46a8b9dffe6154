"""Staff tasks in the bot: "my tasks" with the next action as buttons, and the notices
that reach an assignee (core.task_board is the one service the REST contract uses too).

- `/tasks` (private): each open task of the person, in every shop they work in, as a
  card with its next actions: ▶️ Start (pending), 📤 Submit for review / ✅ Done (in
  progress); on review there is nothing to press until a manager decides.
- A press (`TaskCb`) runs core.task_board.act as the presser; the card is edited to the
  new state; a refused press answers an alert and changes nothing.
- `task.assigned` and `task.rejected` queue a `staff.task_notice` outbox row to the
  assignee's linked chat (none: nothing is queued); its renderer sends the card in the
  assignee's language with a header saying why (a new task; sent back, with the comment).
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.i18n import shared_i18n
from bot.subscribers import TASK_NOTICE_EVENT
from bot.texts import N_
from core import staff, task_board
from core.errors import DomainError, Forbidden
from core.models import OutboxEvent, Task, TaskPriority, TaskStatus
from core.outbox import PermanentFailure
from core.runtime import Runtime

log = logging.getLogger(__name__)

NOTICE_EVENT = TASK_NOTICE_EVENT


class TaskCb(CallbackData, prefix="tk"):
    """A press on a task card: `action` is one of core.task_board.ACTIONS."""

    action: str
    task_id: int


STATUS_NAMES: dict[TaskStatus, str] = {
    TaskStatus.PENDING: N_("To do"),
    TaskStatus.ASSIGNED: N_("To do"),
    TaskStatus.IN_PROGRESS: N_("In progress"),
    TaskStatus.REVIEW: N_("On review"),
    TaskStatus.COMPLETED: N_("Done"),
    TaskStatus.CANCELLED: N_("Cancelled"),
}
PRIORITY_NAMES: dict[TaskPriority, str] = {
    TaskPriority.LOW: N_("low"),
    TaskPriority.NORMAL: N_("medium"),
    TaskPriority.HIGH: N_("high"),
    TaskPriority.URGENT: N_("urgent"),
}
BUTTONS: dict[str, str] = {
    "start": N_("▶️ Start"),
    "submit": N_("📤 Submit for review"),
    "complete": N_("✅ Done"),
}
DONE_ANSWERS: dict[str, str] = {
    "start": N_("Started. Good luck!"),
    "submit": N_("Sent for review."),
    "complete": N_("Marked as done."),
}


def task_text(task: Task, header: str | None = None) -> str:
    """The card (call inside an i18n locale)."""
    lines = [header] if header else []
    lines.append(_("📋 Task #{id}: {title}").format(id=task.id, title=task.title))
    if task.description:
        lines.append(task.description)
    lines.append(
        _("Status: {status} · priority: {priority}").format(
            status=_(STATUS_NAMES[TaskStatus(task.status)]),
            priority=_(PRIORITY_NAMES[TaskPriority(task.priority)]),
        )
    )
    if task.due_at is not None:
        lines.append(_("Due: {due}").format(due=f"{task.due_at:%d.%m.%Y %H:%M} UTC"))
    return "\n".join(lines)[:4096]


def task_keyboard(task: Task) -> InlineKeyboardMarkup | None:
    actions = task_board.next_actions(task)
    if not actions:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_(BUTTONS[action]),
                    callback_data=TaskCb(action=action, task_id=task.id).pack(),
                )
                for action in actions
            ]
        ]
    )


def explain(error: Exception) -> str:
    if isinstance(error, Forbidden):
        return _("This task is not yours to move.")
    return _("Not possible now: the task has moved on.")


async def show_tasks(message: Message) -> None:
    person = message.from_user
    if person is None:
        return
    members = await staff.staff_memberships(telegram_id=person.id)
    if not members:
        await message.answer(_("Share your contact with /staff first, so I know who you are."))
        return
    tasks: list[Task] = []
    for member in members:
        tasks += await task_board.my_tasks(
            shop_id=member.shop_id, user_id=member.user.id, open_only=True
        )
    if not tasks:
        await message.answer(_("You have no open tasks."))
        return
    await message.answer(_("Your tasks: {count}").format(count=len(tasks)))
    for task in tasks:
        await message.answer(task_text(task), reply_markup=task_keyboard(task))


async def press(query: CallbackQuery, callback_data: TaskCb, runtime: Runtime) -> None:
    shop_id = await task_board.shop_of_task(task_id=callback_data.task_id)
    member = (
        await staff.staff_member(telegram_id=query.from_user.id, shop_id=shop_id)
        if shop_id is not None
        else None
    )
    if member is None or shop_id is None:
        await query.answer(_("This task is not yours to move."), show_alert=True)
        return
    try:
        task = await task_board.act(
            shop_id=shop_id,
            task_id=callback_data.task_id,
            action=callback_data.action,
            user_id=member.user.id,
            roles=set(member.roles),
            now=runtime.clock.now(),
        )
    except DomainError as error:
        await query.answer(explain(error), show_alert=True)
        return
    await query.answer(_(DONE_ANSWERS.get(callback_data.action, N_("Done"))))
    if query.message is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(task_text(task), reply_markup=task_keyboard(task))
        except TelegramBadRequest as error:
            log.info("task card %s not edited: %s", task.id, error)


def create_router() -> Router:
    router = Router(name="staff_tasks")
    router.message.register(show_tasks, Command("tasks"), F.chat.type == "private")
    router.callback_query.register(press, TaskCb.filter())
    return router


# --- notices through the outbox ---------------------------------------------------------


def _header(reason: str, comment: str) -> str:
    if reason == "rejected":
        return _("↩️ Sent back for rework: {comment}").format(comment=comment or "—")
    return _("🆕 A new task for you")


async def deliver_notice(runtime: Runtime, bot: Bot, row: OutboxEvent) -> None:
    notice = await task_board.task_notice(task_id=int(row.payload["task_id"]))
    if notice is None or notice.chat_id is None:
        return
    i18n = shared_i18n()
    with i18n.context(), i18n.use_locale(notice.language):
        text = task_text(
            notice.task, _header(str(row.payload["reason"]), str(row.payload.get("comment", "")))
        )
        markup = task_keyboard(notice.task)
    try:
        await bot.send_message(chat_id=notice.chat_id, text=text, reply_markup=markup)
    except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as error:
        raise PermanentFailure(f"telegram refused the message: {error}") from error


def register_renderers() -> None:
    from bot.notify import register_renderer

    register_renderer(NOTICE_EVENT, deliver_notice)
