"""Staff in the bot: linking a member's chat, the staff group, order cards, /orders.

- `/staff` (private) offers the contact button; the person's OWN contact, shared outside
  any conversation, links their chat when its phone belongs to a shop member
  (core.staff.link_staff_contact). Login codes of the shop contract then come here.
- `/link_staff_chat [slug]` in a group, by the shop's owner or an admin, makes the group
  the staff chat: order cards are posted and edited there (bot.staff_cards).
- Card buttons (`StaffCardCb`) go through core.staff with the presser as the actor: the
  status machine and the role table decide; a refused press answers an alert and
  changes nothing. The card itself is re-rendered from the outbox after the change.
- "Assembled" asks the presser for a bouquet photo when the customer is to approve it
  (StaffFlow.bouquet_photo, see bot.routers.staff_states).
- `/orders`: today's orders by status (shop time); a florist sees their production
  tasks; a courier is pointed to /deliveries.
- `/newproduct`, `/products`: the catalog from the chat (bot.routers.staff_catalog).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.formatting import Text, TextMention
from aiogram.utils.i18n import gettext as _

from bot.routers import staff_catalog
from bot.routers.staff_approval import create_approval_router
from bot.routers.staff_states import ASSEMBLY_ORDER_KEY, StaffFlow
from bot.staff_cards import (
    MOVES,
    IssueCb,
    StaffCardCb,
    TeamCb,
    explain,
    issue_keyboard,
    issue_name,
)
from bot.staff_media import download_image, echo_clean_photo, has_image
from bot.texts import N_, money, status_name
from core import staff
from core.errors import Conflict, DomainError, NotFound
from core.models import IssueType, Role
from core.orders.status import OrderStatus
from core.permissions import is_manager
from core.photos import PhotoRejected, remember_file_id
from core.runtime import Runtime

GROUPS = {"group", "supergroup"}

ROLE_NAMES: dict[Role, str] = {
    Role.OWNER: N_("owner"),
    Role.ADMIN: N_("administrator"),
    Role.MANAGER: N_("manager"),
    Role.FLORIST: N_("florist"),
    Role.COURIER: N_("courier"),
    Role.CASHIER: N_("cashier"),
}


def role_names(roles: frozenset[Role]) -> str:
    return ", ".join(_(ROLE_NAMES[r]) for r in staff.ROLE_ORDER if r in roles)


# --- linking ---------------------------------------------------------------------------


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📱 Share my contact"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def ask_contact(message: Message) -> None:
    await message.answer(
        _(
            "Staff sign-in: share your own contact with the button below. If your phone "
            "belongs to a shop's staff, this chat is linked: login codes and your tasks "
            "will come here."
        ),
        reply_markup=contact_keyboard(),
    )


async def link_contact(message: Message) -> None:
    contact = message.contact
    person = message.from_user
    if contact is None or person is None:
        return
    if contact.user_id != person.id:
        await message.answer(
            _("Please share your own contact with the button below."),
            reply_markup=contact_keyboard(),
        )
        return
    try:
        link = await staff.link_staff_contact(
            phone=contact.phone_number,
            telegram_id=person.id,
            chat_id=message.chat.id,
            language_code=person.language_code,
        )
    except DomainError:
        await message.answer(
            _(
                "This phone number is not on any shop's staff. Ask the shop owner to add "
                "you, then share your contact again with /staff."
            ),
            reply_markup=ReplyKeyboardRemove(),
        )
        return
    shops = "; ".join(f"{shop.name} ({role_names(roles)})" for shop, roles in link.shops)
    await message.answer(
        _(
            "Hello, {name}! Your chat is linked: {shops}.\n"
            "Login codes will come here. Commands: /orders, /deliveries."
        ).format(name=staff.display_name(link.user), shops=shops),
        reply_markup=ReplyKeyboardRemove(),
    )


async def link_chat(message: Message, command: CommandObject) -> None:
    person = message.from_user
    if person is None:
        return
    try:
        shop = await staff.link_staff_chat(
            telegram_id=person.id, chat_id=message.chat.id, shop_slug=command.args
        )
    except staff.ShopNotNamed as error:
        await message.answer(
            _("You run several shops. Name one: /link_staff_chat <code> ({codes})").format(
                codes=", ".join(error.slugs)
            )
        )
        return
    except DomainError as error:
        if isinstance(error, Conflict):
            text = _("This group is already the staff chat of another shop.")
        elif isinstance(error, NotFound):
            text = _("No shop with this code among yours.")
        else:
            text = _(
                "Only the shop's owner or an administrator can link the staff chat, after "
                "sharing their contact with me in a private chat (/staff)."
            )
        await message.answer(text)
        return
    await message.answer(
        _("This group is now the staff chat of “{shop}”. New orders will appear here.").format(
            shop=shop.name
        )
    )


async def chat_migrated(message: Message) -> None:
    if message.migrate_to_chat_id is not None:
        await staff.move_staff_chat(
            old_chat_id=message.chat.id, new_chat_id=message.migrate_to_chat_id
        )


# --- /orders ---------------------------------------------------------------------------


def order_line(order: Any, currency: str, timezone: str) -> str:
    when = (
        order.delivery_from.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
        if order.delivery_from
        else "—"
    )
    who = order.recipient_name or ""
    return f"#{order.number} {when} {who} — {money(order.total, currency)}".replace("  ", " ")


async def list_orders(message: Message, runtime: Runtime) -> None:
    person = message.from_user
    if person is None:
        return
    if message.chat.type in GROUPS:
        shop = await staff.shop_of_staff_chat(chat_id=message.chat.id)
        member = await staff.staff_member(telegram_id=person.id, shop_id=shop.id) if shop else None
        members = [member] if member is not None else []
    else:
        members = await staff.staff_memberships(telegram_id=person.id)
    if not members:
        await message.answer(
            _("This is for the shop's staff. Share your contact in a private chat: /staff")
        )
        return
    for member in members:
        await message.answer(await orders_overview(member, runtime))


async def orders_overview(member: staff.StaffMember, runtime: Runtime) -> str:
    shop = await staff.shop_by_id(shop_id=member.shop_id)
    today = staff.shop_today(shop, runtime.clock)
    header = _("{shop}, {day}").format(shop=shop.name, day=f"{today:%d.%m.%Y}")
    if is_manager(member.roles) or Role.CASHIER in member.roles:
        grouped = await staff.orders_of_day(shop_id=shop.id, day=today)
        if not grouped:
            return header + "\n" + _("No orders for today.")
        lines = [header]
        for status, orders in grouped.items():
            lines.append("")
            lines.append(f"{status_name(status)} ({len(orders)})")
            lines.extend(order_line(o, str(shop.currency), shop.timezone) for o in orders)
        return "\n".join(lines)[:4096]
    if Role.FLORIST in member.roles:
        tasks = await staff.production_tasks(member=member, day=today)
        if not tasks:
            return header + "\n" + _("No production tasks for you today.")
        lines = [header, _("Your production tasks:")]
        for order in tasks:
            lines.append(
                f"{order_line(order, str(shop.currency), shop.timezone)} · {status_name(order.status)}"
            )
        return "\n".join(lines)[:4096]
    return header + "\n" + _("Your deliveries: /deliveries")


# --- card presses ----------------------------------------------------------------------


def _message_of(query: CallbackQuery) -> Message | None:
    message = query.message
    return message if isinstance(message, Message) else None


async def on_card_press(
    query: CallbackQuery,
    callback_data: StaffCardCb,
    runtime: Runtime,
    state: FSMContext,
) -> None:
    order_id = callback_data.order_id
    action = callback_data.action
    message = _message_of(query)
    try:
        if action == "dismiss":
            if message is not None:
                await message.delete()
            await query.answer()
            return
        member = await staff.member_for_order(telegram_id=query.from_user.id, order_id=order_id)
        if action in MOVES:
            order = await staff.move_order(
                member=member, order_id=order_id, to=MOVES[action], clock=runtime.clock
            )
            await query.answer(_("✓ {status}").format(status=status_name(order.status)))
        elif action == "assembled":
            await start_assembly(query, member, order_id, runtime, state)
        elif action == "resolve":
            order = await staff.resolve_order_issue(
                member=member, order_id=order_id, clock=runtime.clock
            )
            await query.answer(_("✓ {status}").format(status=status_name(order.status)))
        elif action == "cancel":
            order = await staff.preflight(
                member=member, order_id=order_id, to=OrderStatus.CANCELLED
            )
            if message is not None:
                await message.answer(
                    _("Cancel order #{number}?").format(number=order.number),
                    reply_markup=cancel_keyboard(order_id),
                )
            await query.answer()
        elif action == "cancel_yes":
            order = await staff.move_order(
                member=member, order_id=order_id, to=OrderStatus.CANCELLED, clock=runtime.clock
            )
            if message is not None:
                await message.delete()
            await query.answer(_("✓ {status}").format(status=status_name(order.status)))
        elif action in ("florists", "courier"):
            role = Role.FLORIST if action == "florists" else Role.COURIER
            choice = await staff.team_choice(member=member, order_id=order_id, role=role)
            if message is not None:
                await message.answer(
                    team_prompt(role, choice), reply_markup=team_keyboard(role, order_id, choice)
                )
            await query.answer()
        elif action == "issue":
            if message is not None:
                await message.answer(
                    _("What is the problem with this order?"), reply_markup=issue_keyboard(order_id)
                )
            await query.answer()
        else:
            await query.answer()
    except DomainError as error:
        await query.answer(explain(error), show_alert=True)


def cancel_keyboard(order_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("Yes, cancel the order"),
                    callback_data=StaffCardCb(action="cancel_yes", order_id=order_id).pack(),
                ),
                InlineKeyboardButton(
                    text=_("No, keep it"),
                    callback_data=StaffCardCb(action="dismiss", order_id=order_id).pack(),
                ),
            ]
        ]
    )


def team_prompt(role: Role, choice: staff.TeamChoice) -> str:
    if role is Role.FLORIST:
        return _("Florists for order #{number} (one to three; tap to add or remove):").format(
            number=choice.number
        )
    return _("Courier for order #{number}:").format(number=choice.number)


def team_keyboard(role: Role, order_id: int, choice: staff.TeamChoice) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=("✓ " if user_id in choice.chosen else "") + name,
                callback_data=TeamCb(role=role.value, order_id=order_id, user_id=user_id).pack(),
            )
        ]
        for user_id, name in choice.candidates
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=_("Done"),
                callback_data=TeamCb(role=role.value, order_id=order_id, user_id=0).pack(),
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def on_team_pick(query: CallbackQuery, callback_data: TeamCb, runtime: Runtime) -> None:
    message = _message_of(query)
    if callback_data.user_id == 0:
        if message is not None:
            await message.delete()
        await query.answer()
        return
    try:
        member = await staff.member_for_order(
            telegram_id=query.from_user.id, order_id=callback_data.order_id
        )
        if callback_data.role == Role.COURIER.value:
            await staff.assign_courier(
                member=member,
                order_id=callback_data.order_id,
                courier_id=callback_data.user_id,
                clock=runtime.clock,
            )
            if message is not None:
                await message.delete()
            await query.answer(_("✓ Courier assigned"))
            return
        await staff.toggle_florist(
            member=member, order_id=callback_data.order_id, florist_id=callback_data.user_id
        )
        choice = await staff.team_choice(
            member=member, order_id=callback_data.order_id, role=Role.FLORIST
        )
        if message is not None:
            await message.edit_reply_markup(
                reply_markup=team_keyboard(Role.FLORIST, callback_data.order_id, choice)
            )
        await query.answer(_("✓ Florists updated"))
    except DomainError as error:
        await query.answer(explain(error), show_alert=True)


async def on_issue_pick(query: CallbackQuery, callback_data: IssueCb, runtime: Runtime) -> None:
    message = _message_of(query)
    try:
        issue = IssueType(callback_data.issue)
    except ValueError:
        await query.answer()
        return
    try:
        member = await staff.member_for_order(
            telegram_id=query.from_user.id, order_id=callback_data.order_id
        )
        order = await staff.report_order_issue(
            member=member, order_id=callback_data.order_id, issue_type=issue, clock=runtime.clock
        )
    except DomainError as error:
        await query.answer(explain(error), show_alert=True)
        return
    text = _("Problem reported for order #{number}: {issue}. The staff chat is alerted.").format(
        number=order.number, issue=issue_name(issue)
    )
    if message is not None:
        if message.chat.type in GROUPS:
            await message.delete()
        else:
            await message.edit_text(text)
    await query.answer(text[:200])


# --- the bouquet photo -------------------------------------------------------------------


async def start_assembly(
    query: CallbackQuery,
    member: staff.StaffMember,
    order_id: int,
    runtime: Runtime,
    state: FSMContext,
) -> None:
    needs_photo = await staff.begin_assembly(member=member, order_id=order_id, clock=runtime.clock)
    if not needs_photo:
        await query.answer(_("✓ {status}").format(status=status_name(OrderStatus.ASSEMBLED)))
        return
    await state.set_state(StaffFlow.bouquet_photo)
    await state.update_data({ASSEMBLY_ORDER_KEY: order_id})
    message = _message_of(query)
    if message is not None:
        ask = Text(
            TextMention(query.from_user.first_name, user=query.from_user),
            ", ",
            _(
                "send a photo of the bouquet in reply to this message. The customer will "
                "see it and approve it. /cancel to stop."
            ),
        )
        await message.answer(**ask.as_kwargs(), reply_markup=ForceReply(selective=True))
    await query.answer(_("Send a photo of the bouquet"))


async def _leave_assembly(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data({ASSEMBLY_ORDER_KEY: None})


async def cancel_assembly(message: Message, state: FSMContext) -> None:
    await _leave_assembly(state)
    await message.answer(
        _("Stopped. The order was not marked assembled."), reply_markup=ReplyKeyboardRemove()
    )


async def bouquet_photo(message: Message, state: FSMContext, bot: Bot, runtime: Runtime) -> None:
    order_id = (await state.get_data()).get(ASSEMBLY_ORDER_KEY)
    person = message.from_user
    if order_id is None or person is None:
        await _leave_assembly(state)
        return
    settings = runtime.settings
    try:
        member = await staff.member_for_order(telegram_id=person.id, order_id=int(order_id))
        upload = await download_image(bot, message)
        assembly = await staff.finish_assembly(
            member=member,
            order_id=int(order_id),
            photo=upload.data,
            data_dir=settings.data_dir,
            public_base_url=settings.public_base_url,
            clock=runtime.clock,
        )
    except DomainError as error:
        await message.answer(explain(error))
        if not isinstance(error, PhotoRejected):
            await _leave_assembly(state)
        return
    await _leave_assembly(state)
    if assembly.approval_requested:
        caption = _("Order #{number} is assembled. The photo went to the customer for approval.")
    else:
        caption = _("Order #{number} is assembled.")
    caption = caption.format(number=assembly.order.number)
    if assembly.photo is not None and assembly.photo.path:
        file_id = await echo_clean_photo(message, assembly.photo.path, caption)
        if file_id:
            await remember_file_id(photo_id=assembly.photo.id, file_id=file_id)
    else:
        await message.answer(caption)


async def bouquet_not_photo(message: Message) -> None:
    await message.answer(_("Please send a photo of the bouquet (or /cancel)."))


def create_router() -> Router:
    router = Router(name="staff")
    router.include_router(create_approval_router())
    router.include_router(staff_catalog.create_router())
    private = F.chat.type == "private"
    router.message.register(ask_contact, Command("staff"), private)
    router.message.register(link_contact, F.contact, private, StateFilter(None))
    router.message.register(link_chat, Command("link_staff_chat"), F.chat.type.in_(GROUPS))
    router.message.register(chat_migrated, F.migrate_to_chat_id)
    router.message.register(list_orders, Command("orders"))
    router.callback_query.register(on_card_press, StaffCardCb.filter())
    router.callback_query.register(on_team_pick, TeamCb.filter())
    router.callback_query.register(on_issue_pick, IssueCb.filter())
    router.message.register(cancel_assembly, StaffFlow.bouquet_photo, Command("cancel"))
    router.message.register(bouquet_photo, StaffFlow.bouquet_photo, F.func(has_image))
    router.message.register(bouquet_not_photo, StaffFlow.bouquet_photo)
    return router
