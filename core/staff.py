"""Staff and couriers at work in a chat: who they are, what they may press, what they see.

The bot's staff and courier routers call these use cases with plain values (Telegram
ids, order ids) and render what comes back; the rules live here and in
core.permissions, core.approval and core.orders.service.

    share own contact ─► link_staff_contact ─► the chat receives login codes, the bot
                                               knows the member's roles
    /link_staff_chat  ─► link_staff_chat    ─► order cards go to that group
    card button       ─► move_order / begin_assembly + finish_assembly / assign_* /
                         report_order_issue ─► order.* events ─► the card is re-rendered
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import approval, shoptime
from core.actors import Actor
from core.channels.telegram_out import send_chat_message
from core.clock import Clock, SystemClock
from core.errors import BadRequest, Conflict, Forbidden, NotFound
from core.i18n import pick_language
from core.models import (
    ApprovalStatus,
    DeliveryMethod,
    IssueType,
    Membership,
    Order,
    OrderIssue,
    OrderItem,
    OrderPhoto,
    OrderStatusEvent,
    PhotoKind,
    Role,
    Shop,
    StockItem,
    User,
)
from core.orders.rules import check_courier_owns, check_order_rules
from core.orders.service import change_status, report_issue, resolve_issue, set_team
from core.orders.status import BEFORE_ASSEMBLY, CLOSED, OrderStatus, check_transition
from core.permissions import Action, RoleForbidden, check, check_move, is_manager
from core.phones import InvalidPhone, normalize_phone
from core.photos import add_order_photo, latest_photo
from core.stock import order_requirements
from core.tenancy import get_owned

S = OrderStatus
ROLE_ORDER = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.FLORIST, Role.COURIER, Role.CASHIER)
# A courier's deliveries still to do.
DELIVERY_STATUSES = BEFORE_ASSEMBLY | {S.ASSEMBLED, S.IN_DELIVERY}


def _(message: str) -> str:
    """Marks a text for Babel; the bot renders it in the reader's language."""
    return message


COURIER_ASSIGNED = _("You have a new delivery: order #{number}. Open /deliveries to see it.")


class ShopNotNamed(BadRequest):
    """The person runs several shops; `slugs` are the ones they may name."""

    def __init__(self, slugs: list[str]) -> None:
        super().__init__("Name the shop: " + ", ".join(slugs))
        self.slugs = slugs


@dataclass(frozen=True)
class StaffMember:
    """A person acting for one shop, with every role they hold there."""

    user: User
    shop_id: int
    roles: frozenset[Role]

    @property
    def primary_role(self) -> Role:
        return next(r for r in ROLE_ORDER if r in self.roles)

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user.id, label=display_name(self.user), role=self.primary_role)


@dataclass(frozen=True)
class Assembly:
    order: Order
    photo: OrderPhoto | None
    approval_requested: bool


@dataclass(frozen=True)
class StaffLink:
    user: User
    shops: list[tuple[Shop, frozenset[Role]]]


def display_name(user: User) -> str:
    if user.name:
        return user.name
    if user.phone:
        return user.phone[:-4] + "****"
    return f"#{user.id}"


def _telegram_phone(raw: str) -> str:
    # Telegram sends contacts' numbers in international form, usually without the '+'.
    text = (raw or "").strip()
    return text if text.startswith("+") else "+" + text


async def link_staff_contact(
    *, phone: str, telegram_id: int, chat_id: int, language_code: str | None = None
) -> StaffLink:
    """Link a member's Telegram chat by the phone of the contact they shared themselves.

    Outcomes: the user and their shops with roles; NotFound when the phone belongs to
    nobody who works in a shop. A Telegram account linked to another user before moves.
    """
    try:
        normalized = normalize_phone(_telegram_phone(phone))
    except InvalidPhone:
        raise NotFound("Staff member") from None
    async with in_transaction():
        user = await User.filter(phone=normalized, is_active=True).select_for_update().first()
        if user is None:
            raise NotFound("Staff member")
        memberships = await Membership.filter(user_id=user.id).prefetch_related("shop")
        if not memberships:
            raise NotFound("Staff member")
        await (
            User.filter(telegram_id=telegram_id)
            .exclude(id=user.id)
            .update(telegram_id=None, telegram_chat_id=None)
        )
        if user.telegram_id is None and language_code:
            user.language = pick_language(language_code)
        user.telegram_id = telegram_id
        user.telegram_chat_id = chat_id
        await user.save(update_fields=["telegram_id", "telegram_chat_id", "language", "updated_at"])
    by_shop: dict[int, tuple[Shop, set[Role]]] = {}
    for membership in memberships:
        shop = membership.shop
        by_shop.setdefault(shop.id, (shop, set()))[1].add(Role(membership.role))
    return StaffLink(
        user=user, shops=[(shop, frozenset(roles)) for shop, roles in by_shop.values()]
    )


async def staff_user(*, telegram_id: int) -> User | None:
    """The active staff user behind a Telegram account, if it was linked."""
    return await User.get_or_none(telegram_id=telegram_id, is_active=True)


async def staff_member(*, telegram_id: int, shop_id: int) -> StaffMember | None:
    """The linked person as a member of this shop, or None."""
    user = await staff_user(telegram_id=telegram_id)
    if user is None:
        return None
    roles = frozenset(
        Role(m.role) for m in await Membership.filter(shop_id=shop_id, user_id=user.id)
    )
    if not roles:
        return None
    return StaffMember(user=user, shop_id=shop_id, roles=roles)


async def staff_memberships(*, telegram_id: int) -> list[StaffMember]:
    """The linked person in every shop they work in (oldest membership first)."""
    user = await staff_user(telegram_id=telegram_id)
    if user is None:
        return []
    roles: dict[int, set[Role]] = defaultdict(set)
    for shop_id, role in (
        await Membership.filter(user_id=user.id).order_by("id").values_list("shop_id", "role")
    ):
        roles[shop_id].add(Role(role))
    return [StaffMember(user=user, shop_id=s, roles=frozenset(r)) for s, r in roles.items()]


async def member_for_order(*, telegram_id: int, order_id: int) -> StaffMember:
    """The presser as a member of the order's shop; Forbidden for anyone else.

    An order of a shop the person does not work in answers exactly like a missing one.
    """
    order = await Order.get_or_none(id=order_id)
    user = await staff_user(telegram_id=telegram_id)
    if user is None:
        raise Forbidden("Share your contact with the bot first")
    member = (
        await staff_member(telegram_id=telegram_id, shop_id=order.shop_id)  # type: ignore[attr-defined]
        if order is not None
        else None
    )
    if member is None:
        raise NotFound("Order")
    return member


async def staff_chat_of_shop(*, shop_id: int) -> int | None:
    chat_id: Any = await Shop.filter(id=shop_id).first().values_list("staff_chat_id", flat=True)
    return int(chat_id) if chat_id is not None else None


async def issue_reporter(*, order_id: int) -> str | None:
    """The name of who reported the order's open problem, if a person did."""
    issue = (
        await OrderIssue.filter(order_id=order_id, resolved_at__isnull=True)
        .order_by("-id")
        .first()
        .prefetch_related("reported_by")
    )
    if issue is None or issue.reported_by is None:
        return None
    return display_name(issue.reported_by)


async def shop_by_id(*, shop_id: int) -> Shop:
    return await Shop.get(id=shop_id)


async def shop_of_staff_chat(*, chat_id: int) -> Shop | None:
    return await Shop.filter(staff_chat_id=chat_id).first()


async def link_staff_chat(*, telegram_id: int, chat_id: int, shop_slug: str | None = None) -> Shop:
    """Make a group the shop's staff chat; only its owner or an admin may.

    Outcomes: the shop; Forbidden for someone not linked or not owner/admin; BadRequest
    naming the slugs when the person runs several shops and named none; Conflict when
    the group already serves another shop.
    """
    members = await staff_memberships(telegram_id=telegram_id)
    if not members:
        raise Forbidden("Share your contact with the bot first")
    allowed = [m for m in members if m.roles & {Role.OWNER, Role.ADMIN}]
    if not allowed:
        raise RoleForbidden("Only the owner or an admin may link the staff chat", frozenset())
    shops = {s.id: s for s in await Shop.filter(id__in=[m.shop_id for m in allowed])}
    if shop_slug:
        candidates = [s for s in shops.values() if s.slug == shop_slug.strip()]
        if not candidates:
            raise NotFound("Shop")
    else:
        candidates = list(shops.values())
        if len(candidates) > 1:
            raise ShopNotNamed(sorted(s.slug for s in candidates))
    shop = candidates[0]
    other = await Shop.filter(staff_chat_id=chat_id).exclude(id=shop.id).first()
    if other is not None:
        raise Conflict("This group is already the staff chat of another shop")
    shop.staff_chat_id = chat_id
    await shop.save(update_fields=["staff_chat_id", "updated_at"])
    return shop


async def move_staff_chat(*, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup (its id changes); keep the shop's link."""
    await Shop.filter(staff_chat_id=old_chat_id).update(staff_chat_id=new_chat_id)


async def _check_move(member: StaffMember, order: Order, to: OrderStatus) -> None:
    check_move(member.roles, to=to, from_status=OrderStatus(order.status))
    await check_order_rules(order, to=to, roles=member.roles, user_id=member.user.id)


async def preflight(*, member: StaffMember, order_id: int, to: OrderStatus) -> Order:
    """Raise what move_order would raise for this move, changing nothing."""
    order = await get_owned(Order, shop_id=member.shop_id, id=order_id)
    await _check_move(member, order, to)
    check_transition(OrderStatus(order.status), to, before_issue=order.status_before_issue)
    return order


async def move_order(
    *,
    member: StaffMember,
    order_id: int,
    to: OrderStatus,
    comment: str | None = None,
    clock: Clock | None = None,
) -> Order:
    """A staff member's press that moves an order (not `assembled`: see begin_assembly).

    Outcomes: the moved order; RoleForbidden (the role may not), NotYours (another
    courier's delivery), AwaitingApproval (the customer has not answered),
    PhotoRequired (a courier's delivery without a photo), InvalidTransition (the machine
    forbids it), Conflict (stock). Nothing changes on any error.
    """
    order = await get_owned(Order, shop_id=member.shop_id, id=order_id)
    await _check_move(member, order, to)
    if to is S.ASSEMBLED:
        # Without a photo: approval is then not required (begin_assembly decides that).
        return (await finish_assembly(member=member, order_id=order_id, clock=clock)).order
    return await change_status(
        shop_id=member.shop_id,
        order_id=order_id,
        to=to,
        actor=member.actor,
        comment=comment,
        clock=clock,
    )


async def begin_assembly(*, member: StaffMember, order_id: int, clock: Clock | None = None) -> bool:
    """The florist pressed "assembled". Returns True when a bouquet photo is needed first
    (the customer approves it); otherwise the order is assembled now and False returned.

    Errors as for move_order; nothing changes when a photo is needed.
    """
    await preflight(member=member, order_id=order_id, to=S.ASSEMBLED)
    if await approval.needs_approval(shop_id=member.shop_id, order_id=order_id):
        return True
    await finish_assembly(member=member, order_id=order_id, clock=clock)
    return False


async def finish_assembly(
    *,
    member: StaffMember,
    order_id: int,
    photo: bytes | None = None,
    telegram_file_id: str | None = None,
    data_dir: Path | None = None,
    public_base_url: str = "",
    clock: Clock | None = None,
) -> Assembly:
    """Mark the order assembled (with the bouquet photo when there is one, stored under
    `data_dir`); core.approval decides whether the customer is asked."""
    order = await get_owned(Order, shop_id=member.shop_id, id=order_id)
    await _check_move(member, order, S.ASSEMBLED)
    order = await approval.mark_assembled(
        shop_id=member.shop_id,
        order_id=order_id,
        actor=member.actor,
        data_dir=data_dir,
        photo=photo,
        telegram_file_id=telegram_file_id,
        public_base_url=public_base_url,
        clock=clock,
    )
    stored = (
        await latest_photo(order_id=order.id, kind=PhotoKind.ASSEMBLED)
        if photo is not None
        else None
    )
    return Assembly(
        order=order,
        photo=stored,
        approval_requested=order.approval_status == ApprovalStatus.PENDING,
    )


@dataclass(frozen=True)
class TeamChoice:
    number: int
    candidates: list[tuple[int, str]]
    chosen: frozenset[int]


async def team_choice(*, member: StaffMember, order_id: int, role: Role) -> TeamChoice:
    """Who can be picked as the order's florists or courier, and who is now."""
    check(member.roles, Action.ASSIGN_TEAM)
    order = await get_owned(Order, shop_id=member.shop_id, id=order_id)
    if role is Role.FLORIST:
        chosen = frozenset(await current_florist_ids(order_id=order.id))
    else:
        chosen = frozenset({order.courier_id} if order.courier_id else set())  # type: ignore[attr-defined]
    people = await team_candidates(shop_id=member.shop_id, role=role)
    return TeamChoice(
        number=order.number,
        candidates=[(u.id, display_name(u)) for u in people],
        chosen=chosen,
    )


async def resolve_order_issue(
    *, member: StaffMember, order_id: int, clock: Clock | None = None
) -> Order:
    """Owner, admin or a manager puts the order back where it was before the problem."""
    check(member.roles, Action.RESOLVE_ISSUE)
    return await resolve_issue(
        shop_id=member.shop_id, order_id=order_id, actor=member.actor, clock=clock
    )


async def team_candidates(*, shop_id: int, role: Role) -> list[User]:
    """Active members of the shop holding `role`, by name."""
    ids = await Membership.filter(shop_id=shop_id, role=role).values_list("user_id", flat=True)
    return await User.filter(id__in=list(ids), is_active=True).order_by("name", "id")


async def current_florist_ids(*, order_id: int) -> list[int]:
    order = await Order.get(id=order_id)
    return sorted(u.id for u in await order.florists.all())


async def assign_florists(
    *, member: StaffMember, order_id: int, florist_ids: Sequence[int]
) -> Order:
    """Set the order's florists (1 to 3); owner, admin and managers may."""
    check(member.roles, Action.ASSIGN_TEAM)
    return await set_team(
        shop_id=member.shop_id, order_id=order_id, florist_ids=list(florist_ids), actor=member.actor
    )


async def toggle_florist(*, member: StaffMember, order_id: int, florist_id: int) -> Order:
    """Add the florist to the order's team, or take them off it (1 to 3 stay)."""
    check(member.roles, Action.ASSIGN_TEAM)
    await get_owned(Order, shop_id=member.shop_id, id=order_id)
    current = await current_florist_ids(order_id=order_id)
    chosen = (
        [i for i in current if i != florist_id] if florist_id in current else [*current, florist_id]
    )
    return await assign_florists(member=member, order_id=order_id, florist_ids=chosen)


async def assign_courier(
    *, member: StaffMember, order_id: int, courier_id: int, clock: Clock | None = None
) -> Order:
    """Give the delivery to a courier, who is told in their own chat."""
    check(member.roles, Action.ASSIGN_TEAM)
    clock = clock or SystemClock()
    async with in_transaction():
        order = await set_team(
            shop_id=member.shop_id, order_id=order_id, courier_id=courier_id, actor=member.actor
        )
        courier = await User.get(id=courier_id)
        if courier.telegram_chat_id is not None:
            await send_chat_message(
                chat_id=courier.telegram_chat_id,
                text=COURIER_ASSIGNED,
                params={"number": order.number},
                language=courier.language,
                shop_id=member.shop_id,
                event_type="courier_assigned",
                order_id=order.id,
                now=clock.now(),
            )
    return order


async def report_order_issue(
    *,
    member: StaffMember,
    order_id: int,
    issue_type: IssueType,
    comment: str | None = None,
    clock: Clock | None = None,
) -> Order:
    """Any member reports a problem: the order moves to `issue` (the staff chat hears)."""
    check(member.roles, Action.REPORT_ISSUE)
    order, _issue = await report_issue(
        shop_id=member.shop_id,
        order_id=order_id,
        issue_type=issue_type,
        comment=comment,
        actor=member.actor,
        clock=clock,
    )
    return order


PHOTO_STATUSES = frozenset({S.ASSEMBLED, S.IN_DELIVERY, S.DELIVERED})


async def delivery_for_photos(*, member: StaffMember, order_id: int) -> Order:
    """The order, when this person may add delivery photos to it now."""
    order = await get_owned(Order, shop_id=member.shop_id, id=order_id)
    check_courier_owns(member.roles, member.user.id, order)
    if not (is_manager(member.roles) or Role.COURIER in member.roles):
        raise RoleForbidden("Only couriers send delivery photos", frozenset({Role.COURIER}))
    if OrderStatus(order.status) not in PHOTO_STATUSES:
        raise Conflict("This order is not out for delivery")
    return order


async def single_active_delivery(*, telegram_id: int) -> int | None:
    """The id of the courier's one order on its way, when there is exactly one."""
    user = await staff_user(telegram_id=telegram_id)
    if user is None:
        return None
    orders = await Order.filter(courier_id=user.id, status=S.IN_DELIVERY).limit(2)
    return orders[0].id if len(orders) == 1 else None


async def order_number(*, order_id: int) -> int:
    return (await Order.get(id=order_id)).number


async def add_delivery_photo(
    *,
    member: StaffMember,
    order_id: int,
    data: bytes,
    data_dir: Path,
    telegram_file_id: str | None = None,
    public_base_url: str = "",
) -> OrderPhoto:
    """A courier's proof of delivery (their own delivery, on its way or just delivered)."""
    await delivery_for_photos(member=member, order_id=order_id)
    return await add_order_photo(
        shop_id=member.shop_id,
        order_id=order_id,
        kind=PhotoKind.DELIVERED,
        data=data,
        data_dir=data_dir,
        public_base_url=public_base_url,
        telegram_file_id=telegram_file_id,
        actor=member.actor,
    )


# --- what people see ----------------------------------------------------------------------


def shop_today(shop: Shop, clock: Clock | None = None) -> date:
    return shoptime.shop_today(shop, (clock or SystemClock()).now())


def _on_day(shop: Shop, day: date) -> Q:
    """Orders whose window starts that day, or (without a window) created that day."""
    start, end = shoptime.day_bounds(shop, day)
    return Q(delivery_from__gte=start, delivery_from__lt=end) | Q(
        delivery_from__isnull=True, created_at__gte=start, created_at__lt=end
    )


def _by_window(orders: list[Order]) -> list[Order]:
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(orders, key=lambda o: (o.delivery_from or far, o.number))


async def orders_of_day(*, shop_id: int, day: date) -> dict[OrderStatus, list[Order]]:
    """The shop's orders of a day (shop time), grouped by status in the machine's order."""
    shop = await Shop.get(id=shop_id)
    orders = _by_window(await Order.filter(_on_day(shop, day), shop_id=shop_id))
    grouped: dict[OrderStatus, list[Order]] = {}
    for status in OrderStatus:
        chosen = [o for o in orders if o.status == status]
        if chosen:
            grouped[status] = chosen
    return grouped


async def production_tasks(*, member: StaffMember, day: date) -> list[Order]:
    """A florist's open orders still to assemble, due by the end of `day`, by window."""
    shop = await Shop.get(id=member.shop_id)
    _, end = shoptime.day_bounds(shop, day)
    orders = await Order.filter(
        Q(delivery_from__lt=end) | Q(delivery_from__isnull=True),
        shop_id=member.shop_id,
        status__in=list(BEFORE_ASSEMBLY),
        florists__id=member.user.id,
    )
    return _by_window(orders)


async def deliveries_of_day(*, member: StaffMember, day: date) -> list[Order]:
    """A courier's assigned deliveries that are still to do by the end of `day`, by window."""
    shop = await Shop.get(id=member.shop_id)
    _, end = shoptime.day_bounds(shop, day)
    orders = await Order.filter(
        Q(delivery_from__lt=end) | Q(delivery_from__isnull=True),
        shop_id=member.shop_id,
        courier_id=member.user.id,
        delivery_method=DeliveryMethod.DELIVERY,
        status__in=list(DELIVERY_STATUSES),
    )
    return _by_window(orders)


@dataclass(frozen=True)
class CardItem:
    name: str
    quantity: int


@dataclass(frozen=True)
class CardStep:
    status: OrderStatus
    actor_label: str
    at: datetime
    comment: str | None = None


@dataclass(frozen=True)
class Shortage:
    name: str
    unit: str
    need: Decimal
    have: Decimal


@dataclass(frozen=True)
class OrderCard:
    """Everything the staff chat's card shows, in plain values (times in shop time)."""

    order_id: int
    shop_id: int
    number: int
    status: OrderStatus
    approval_status: str
    approval_comment: str | None
    items: list[CardItem]
    total: int
    currency: str
    delivery_method: DeliveryMethod
    window_from: datetime | None
    window_to: datetime | None
    window_text: str | None
    address: str
    recipient_name: str
    recipient_phone: str | None
    card_text: str | None
    comment: str | None
    florists: list[str]
    courier: str | None
    history: list[CardStep]
    shortages: list[Shortage]
    issue: tuple[IssueType, str | None] | None
    staff_chat_id: int | None
    card_chat_id: int | None
    card_message_id: int | None
    language: str
    latitude: float | None = None
    longitude: float | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return self.status in CLOSED


async def day_shortages(*, shop: Shop, order: Order) -> list[Shortage]:
    """What this order needs that the stock cannot cover, counting every order of the
    same day that is still to be assembled (the flowers they all need, against what is
    on hand)."""
    if OrderStatus(order.status) not in BEFORE_ASSEMBLY and not (
        order.status == S.ISSUE and order.status_before_issue in BEFORE_ASSEMBLY
    ):
        return []
    own = await order_requirements(order)
    if not own:
        return []
    zone = shoptime.shop_zone(shop)
    day = (order.delivery_from or order.created_at).astimezone(zone).date()
    same_day = await Order.filter(
        _on_day(shop, day), shop_id=shop.id, status__in=list(BEFORE_ASSEMBLY)
    ).exclude(id=order.id)
    need: dict[int, Decimal] = defaultdict(Decimal, own)
    for other in same_day:
        for item_id, quantity in (await order_requirements(other)).items():
            if item_id in need:
                need[item_id] += quantity
    shortages = []
    for item in await StockItem.filter(id__in=list(need)).order_by("name"):
        have = Decimal(item.quantity)
        if have < need[item.id]:
            shortages.append(
                Shortage(name=item.name, unit=item.unit, need=need[item.id], have=have)
            )
    return shortages


async def order_card(*, order_id: int) -> OrderCard:
    """The card of an order as the staff chat shows it now."""
    order = await Order.get(id=order_id)
    shop = await Shop.get(id=order.shop_id)  # type: ignore[attr-defined]
    zone = shoptime.shop_zone(shop)
    items = [
        CardItem(name=i.product_name, quantity=i.quantity)
        for i in await OrderItem.filter(order_id=order.id).order_by("id")
    ]
    florists = [display_name(u) for u in await order.florists.all().order_by("name", "id")]
    courier = await User.get_or_none(id=order.courier_id) if order.courier_id else None  # type: ignore[attr-defined]
    events = await OrderStatusEvent.filter(order_id=order.id).order_by("id")
    # A person's name, whichever channel they pressed in (REST labels are "user:<id>").
    actors = {
        u.id: display_name(u)
        for u in await User.filter(id__in={e.actor_id for e in events if e.actor_id})  # type: ignore[attr-defined]
    }
    history = [
        CardStep(
            status=OrderStatus(e.to_status),
            actor_label=actors.get(e.actor_id) or e.actor_label,  # type: ignore[attr-defined]
            at=e.created_at.astimezone(zone),
            comment=e.comment,
        )
        for e in events
    ]
    issue_row = (
        await OrderIssue.filter(order_id=order.id, resolved_at__isnull=True).order_by("-id").first()
    )
    return OrderCard(
        order_id=order.id,
        shop_id=shop.id,
        number=order.number,
        status=OrderStatus(order.status),
        approval_status=str(order.approval_status),
        approval_comment=order.approval_comment,
        items=items,
        total=order.total,
        currency=order.currency or str(shop.currency),
        delivery_method=DeliveryMethod(order.delivery_method),
        window_from=order.delivery_from.astimezone(zone) if order.delivery_from else None,
        window_to=order.delivery_to.astimezone(zone) if order.delivery_to else None,
        window_text=order.delivery_time_range,
        address=order.address,
        recipient_name=order.recipient_name,
        recipient_phone=order.recipient_phone,
        card_text=order.card_text,
        comment=order.comment,
        florists=florists,
        courier=display_name(courier) if courier else None,
        history=history,
        shortages=await day_shortages(shop=shop, order=order),
        issue=(IssueType(issue_row.issue_type), issue_row.comment) if issue_row else None,
        staff_chat_id=shop.staff_chat_id,
        card_chat_id=order.staff_card_chat_id,
        card_message_id=order.staff_card_message_id,
        language=shop.locale or "ru",
        latitude=order.latitude,
        longitude=order.longitude,
    )


async def remember_card(*, order_id: int, chat_id: int, message_id: int) -> None:
    """Where the order's card was posted, so later presses edit it in place."""
    await Order.filter(id=order_id).update(
        staff_card_chat_id=chat_id, staff_card_message_id=message_id
    )
