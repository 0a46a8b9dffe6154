"""Public order tracking: what anyone holding the tracking token may see.

Status, times, the delivery window, the address with the street masked (a pickup
order shows the shop's address), the photos of the bouquet (assembled, delivered), the
items (named in the page's language as they were sold: core.catalog_texts) and the total,
the shop's own phone, and the status history; never a customer's
name or phone number.

Tracking is read far more often than an order changes: `cached_tracking` keeps the view
in the key-value store for `CACHE_SECONDS` (as JSON in Redis, as the object itself in
the in-process store), and every event that changes what the page
shows (status, photos, approval, edits) drops it (`register`), so the short lifetime
only bounds the rare read that races a commit.

Address masking (the seed's example: "г. Алматы, пр. Достык 89" shows as
"г. Алматы, пр. ***** д. 89"):

- the city part ("г. Алматы", "Алматы", "город Шымкент") is kept;
- in the street part the street's type word ("ул.", "пр.", "мкр", "улица", ...) is kept,
  its name becomes "*****", and the house number is kept as "д. <number>";
- everything after the house (flat, entrance, floor, office, notes) is left out;
- an address with no recognisable house number shows as its city and "*****".
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError

from core import events
from core.catalog_texts import item_name
from core.errors import NotFound
from core.models import DeliveryMethod, Order, OrderItem, OrderPhoto, OrderStatusEvent, Shop
from core.orders.status import OrderStatus

log = logging.getLogger(__name__)

MASK = "*****"

_CITY_PREFIX = re.compile(r"^(г\.|г |город|с\.|пос\.|п\.|city)\s*", re.IGNORECASE)
KNOWN_CITIES = frozenset(
    {
        "алматы",
        "астана",
        "нур-султан",
        "шымкент",
        "караганда",
        "актобе",
        "тараз",
        "павлодар",
        "усть-каменогорск",
        "семей",
        "атырау",
        "костанай",
        "кызылорда",
        "уральск",
        "петропавловск",
        "актау",
        "туркестан",
        "ташкент",
        "самарканд",
        "бухара",
        "almaty",
        "astana",
        "shymkent",
        "tashkent",
        "toshkent",
    }
)
_STREET_TYPE = re.compile(
    r"^(ул\.?|улица|пр-т\.?|пр\.?|просп\.?|проспект|мкр\.?|мкрн\.?|микрорайон|б-р\.?|"
    r"бульвар|пер\.?|переулок|ш\.?|шоссе|пл\.?|площадь|наб\.?|набережная|тупик|"
    r"көш\.?|көшесі|даңғ\.?|даңғылы|ж\.?а\.?|"
    r"st\.?|street|ave\.?|avenue|str\.?|ko'?chasi|mahalla)$",
    re.IGNORECASE,
)
_HOUSE_WORD = re.compile(r"^(д\.?|дом|үй|house|uy)$", re.IGNORECASE)
_HOUSE_NUMBER = re.compile(r"^\d+[\wА-Яа-яӘәҒғҚқҢңӨөҰұҮүҺһІі]?(?:[/\-]\d+[\wА-Яа-я]?)?$")
_AFTER_HOUSE = re.compile(
    r"^(кв\.?|квартира|под\.?|подъезд|эт\.?|этаж|оф\.?|офис|корп\.?|кор\.?|блок|"
    r"apt\.?|flat|office|floor|entrance)$",
    re.IGNORECASE,
)


def _is_city(part: str) -> bool:
    text = part.strip()
    if _CITY_PREFIX.match(text):
        return True
    return text.lower() in KNOWN_CITIES


def _house_in(tokens: list[str]) -> str | None:
    """The house number in a street part: after "д."/"дом", else the last number before
    the flat/office words (so "ул. 8 Марта 12" is house 12)."""
    house: str | None = None
    for index, token in enumerate(tokens):
        word = token.strip(".,;")
        if _AFTER_HOUSE.match(token) or _AFTER_HOUSE.match(word):
            break
        if _HOUSE_WORD.match(token) and index + 1 < len(tokens):
            candidate = tokens[index + 1].strip(",;")
            if _HOUSE_NUMBER.match(candidate):
                return candidate
        if index > 0 and _HOUSE_NUMBER.match(word):
            house = word
    return house


def _house_part(part: str) -> str | None:
    """A part that is only a house ("д. 10", "10", "дом 10А"), else None."""
    tokens = part.split()
    if len(tokens) >= 2 and _HOUSE_WORD.match(tokens[0]) and _HOUSE_NUMBER.match(tokens[1]):
        return tokens[1]
    if tokens and _HOUSE_NUMBER.match(tokens[0].strip(".")):
        return tokens[0].strip(".")
    return None


def mask_address(address: str | None) -> str:
    """The address with the street name masked and the house number kept (see above)."""
    if not address or not address.strip():
        return ""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    kept: list[str] = []
    index = 0
    while index < len(parts) and _is_city(parts[index]):
        kept.append(parts[index])
        index += 1
    if index == len(parts):
        return ", ".join([*kept, MASK]) if kept else MASK
    tokens = parts[index].split()
    kind = tokens[0] if tokens and _STREET_TYPE.match(tokens[0]) else ""
    house = _house_part(parts[index + 1]) if index + 1 < len(parts) else None
    if house is None:
        house = _house_in(tokens)
    street = " ".join(w for w in (kind, MASK) if w)
    if house is not None:
        street = f"{street} д. {house}"
    return ", ".join([*kept, street])


@dataclass(frozen=True)
class TimelineStep:
    status: OrderStatus
    at: datetime | None
    done: bool
    current: bool


@dataclass(frozen=True)
class TrackingItem:
    name: str
    quantity: int
    total: int
    # The product's translated names when the order was placed (core.catalog_texts).
    names: dict[str, str] = field(default_factory=dict)

    def name_in(self, language: str, shop_language: str | None) -> str:
        return item_name(self.name, self.names, language, shop_language)


@dataclass(frozen=True)
class TrackingPhoto:
    url: str
    kind: str  # assembled | delivered


@dataclass(frozen=True)
class Tracking:
    """What the public may know about one order."""

    token: str
    status: OrderStatus
    updated_at: datetime
    delivery_method: DeliveryMethod
    delivery_from: datetime | None
    delivery_to: datetime | None
    address: str
    photos: list[str]
    history: list[tuple[OrderStatus, datetime]]
    shop_name: str
    shop_timezone: str
    language: str
    number: int
    items: list[TrackingItem] = field(default_factory=list)
    total: int = 0
    currency: str = "KZT"
    shop_phone: str | None = None
    shop_slug: str = ""
    gallery: list[TrackingPhoto] = field(default_factory=list)
    shop_language: str = "ru"

    def timeline(self) -> list[TimelineStep]:
        """The steps the order went through, then the ones still ahead of it."""
        steps: list[TimelineStep] = []
        reached: dict[OrderStatus, datetime] = {}
        for status, at in self.history:
            reached[status] = at
        path = expected_path(self.delivery_method)
        passed = [s for s, _ in self.history]
        for index, (status, at) in enumerate(self.history):
            steps.append(
                TimelineStep(
                    status=status, at=at, done=True, current=index == len(self.history) - 1
                )
            )
        if self.status in (OrderStatus.CANCELLED, OrderStatus.COMPLETED):
            return steps
        anchor: OrderStatus = self.status
        if self.status is OrderStatus.ISSUE:
            before = [s for s in passed if s is not OrderStatus.ISSUE]
            anchor = before[-1] if before else OrderStatus.NEW
        if anchor in path:
            for status in path[path.index(anchor) + 1 :]:
                if status not in reached:
                    steps.append(TimelineStep(status=status, at=None, done=False, current=False))
        return steps


def expected_path(method: DeliveryMethod | str) -> list[OrderStatus]:
    """The usual way of an order from placement to completion."""
    S = OrderStatus
    middle = S.IN_DELIVERY if DeliveryMethod(method) is DeliveryMethod.DELIVERY else None
    handover = middle or S.AWAITING_PICKUP
    return [S.NEW, S.PAID, S.IN_PRODUCTION, S.ASSEMBLED, handover, S.DELIVERED, S.COMPLETED]


# The order with its shop and what hangs off it (photos, status events, items), in one
# statement: a row per part (typed NULLs: PostgreSQL resolves a UNION's column types
# branch by branch), each carrying the order's columns; an order has at least its first
# status event, and the LEFT JOIN keeps its row anyway.
_TRACKING_SQL = """
WITH o AS (
  SELECT o.id, o.tracking_token, o.status, o.status_changed_at, o.updated_at,
         o.delivery_method, o.delivery_from, o.delivery_to, o.address, o.language,
         o.number, o.total, s.name AS shop_name, s.timezone AS shop_timezone,
         s.currency AS shop_currency, s.phone AS shop_phone, s.slug AS shop_slug,
         s.address AS shop_address, s.locale AS shop_locale
    FROM {orders} o JOIN {shops} s ON s.id = o.shop_id
   WHERE o.tracking_token = {token}
), parts AS (
  SELECT 'event' AS part, id AS part_id, to_status AS label,
         CAST(NULL AS VARCHAR(16)) AS kind, CAST(NULL AS BIGINT) AS quantity,
         CAST(NULL AS BIGINT) AS part_total, created_at AS happened_at
    FROM {events} WHERE order_id = (SELECT id FROM o)
  UNION ALL
  SELECT 'item', id, product_name, CAST(product_names AS TEXT), quantity, total, NULL
    FROM {items} WHERE order_id = (SELECT id FROM o)
  UNION ALL
  SELECT 'photo', id, url, kind, NULL, NULL, NULL
    FROM {photos} WHERE order_id = (SELECT id FROM o) AND url IS NOT NULL
)
SELECT o.*, parts.* FROM o LEFT JOIN parts ON 1 = 1 ORDER BY parts.part, parts.part_id
"""


async def _tracking_rows(token: str) -> list[dict[str, Any]]:
    db = Order._meta.db
    sql = _TRACKING_SQL.format(
        orders=Order._meta.db_table,
        shops=Shop._meta.db_table,
        events=OrderStatusEvent._meta.db_table,
        items=OrderItem._meta.db_table,
        photos=OrderPhoto._meta.db_table,
        token="$1" if db.capabilities.dialect == "postgres" else "?",
    )
    return list(await db.execute_query_dict(sql, [token]))


async def get_tracking(*, token: str) -> Tracking:
    """The public view of the order with this tracking token; NotFound otherwise.

    One statement: the order with its shop and everything that hangs off it. Values
    are read as the models' fields read them (time zones, SQLite's text times).
    """
    if not token or len(token) > 64:
        raise NotFound("Order")
    rows = await _tracking_rows(token)
    if not rows:
        raise NotFound("Order")
    order = rows[0]
    moment = OrderStatusEvent._meta.fields_map["created_at"].to_python_value
    order_moment = Order._meta.fields_map["delivery_from"].to_python_value
    photos: list[TrackingPhoto] = []
    events: list[tuple[str, datetime]] = []
    items: list[TrackingItem] = []
    for row in rows:
        if row["part"] == "photo":
            photos.append(TrackingPhoto(str(row["label"]), str(row["kind"])))
        elif row["part"] == "event":
            events.append((row["label"], moment(row["happened_at"])))
        elif row["part"] == "item":
            names = json.loads(row["kind"]) if row["kind"] else None
            items.append(
                TrackingItem(
                    str(row["label"]),
                    int(row["quantity"]),
                    int(row["part_total"]),
                    {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {},
                )
            )
    history = [(OrderStatus(status), at) for status, at in events]
    method = DeliveryMethod(order["delivery_method"])
    return Tracking(
        token=str(order["tracking_token"]),
        status=OrderStatus(order["status"]),
        updated_at=order_moment(order["status_changed_at"] or order["updated_at"]),
        delivery_method=method,
        delivery_from=order_moment(order["delivery_from"]),
        delivery_to=order_moment(order["delivery_to"]),
        # A pickup order is collected at the shop, whose address is public.
        address=mask_address(order["address"])
        if method is DeliveryMethod.DELIVERY
        else (order["shop_address"] or ""),
        photos=[p.url for p in photos],
        history=history,
        shop_name=str(order["shop_name"]),
        shop_timezone=str(order["shop_timezone"]),
        language=str(order["language"]),
        number=int(order["number"]),
        items=items,
        total=int(order["total"]),
        currency=str(order["shop_currency"]),
        shop_phone=order["shop_phone"],
        shop_slug=str(order["shop_slug"]),
        gallery=photos,
        shop_language=order["shop_locale"] or "ru",
    )


CACHE_SECONDS = 10
CACHE_PREFIX = "sauda:tracking:"
_ORDER_TOKEN_PREFIX = "sauda:tracking-order:"


def _dump(view: Tracking) -> str:
    data = asdict(view)
    data["history"] = [(status.value, at.isoformat()) for status, at in view.history]
    return json.dumps(data, default=str)


def _load(text: str) -> Tracking:
    data = json.loads(text)
    moment = datetime.fromisoformat
    return Tracking(
        **{
            **data,
            "status": OrderStatus(data["status"]),
            "updated_at": moment(data["updated_at"]),
            "delivery_method": DeliveryMethod(data["delivery_method"]),
            "delivery_from": moment(data["delivery_from"]) if data["delivery_from"] else None,
            "delivery_to": moment(data["delivery_to"]) if data["delivery_to"] else None,
            "history": [(OrderStatus(s), moment(at)) for s, at in data["history"]],
            "items": [TrackingItem(**item) for item in data["items"]],
            "gallery": [TrackingPhoto(**photo) for photo in data["gallery"]],
        }
    )


async def cached_tracking(*, kv: Any, token: str) -> Tracking:
    """`get_tracking`, answered from the key-value store while the order is unchanged
    (the in-process store keeps the view itself: core.localstore's local_cache)."""
    if not token or len(token) > 64:
        raise NotFound("Order")
    key = CACHE_PREFIX + token
    local = getattr(kv, "local_cache", None)
    if local is not None:
        view = local.get(key)
        if view is None:
            view = await get_tracking(token=token)
            local.set(key, view, ex=CACHE_SECONDS)
        return view
    cached = await kv.get(key)
    if cached:
        return _load(cached)
    view = await get_tracking(token=token)
    await kv.set(key, _dump(view), ex=CACHE_SECONDS)
    return view


async def _remember_token(kv: Any, *, order_id: int, token: str) -> None:
    local = getattr(kv, "local_cache", None)
    if local is not None:
        local.set(f"{_ORDER_TOKEN_PREFIX}{order_id}", token, ex=24 * 3600)
    else:
        await kv.set(f"{_ORDER_TOKEN_PREFIX}{order_id}", token, ex=24 * 3600)


async def forget_tracking(*, kv: Any, order_id: int) -> None:
    """Drop the cached view of an order (its token is looked up once and remembered)."""
    local = getattr(kv, "local_cache", None)
    token_key = f"{_ORDER_TOKEN_PREFIX}{order_id}"
    token = local.get(token_key) if local is not None else await kv.get(token_key)
    if token is None:
        token = await Order.filter(id=order_id).first().values_list("tracking_token", flat=True)
        if token is None:
            return
        await _remember_token(kv, order_id=order_id, token=str(token))
    if local is not None:
        local.delete(CACHE_PREFIX + str(token))
    else:
        await kv.delete(CACHE_PREFIX + str(token))


# Events after which the page shows something else.
INVALIDATING_EVENTS = (
    events.ORDER_CREATED,
    events.ORDER_STATUS_CHANGED,
    events.ORDER_PHOTO_ADDED,
    events.ORDER_TEAM_CHANGED,
    events.ORDER_ISSUE_REPORTED,
    "order.approval_changed",
    events.ORDER_UPDATED,
)


# The store the process's cache lives in (set by `register`, dropped by `reset`; one
# runtime per process). A test that builds no runtime has none, and nothing is cached.
_store: dict[str, Any] = {}


async def _forget_on_event(event: events.DomainEvent) -> None:
    kv = _store.get("kv")
    order_id = event.payload.get("order_id")
    if kv is None or order_id is None:
        return
    try:
        token = event.payload.get("tracking_token")
        if event.name == events.ORDER_CREATED and token:
            # Nothing is cached for an order that did not exist (a miss caches nothing):
            # its token is remembered for the changes to come, without a read.
            await _remember_token(kv, order_id=int(order_id), token=str(token))
            return
        await forget_tracking(kv=kv, order_id=int(order_id))
    except (RedisError, OSError) as error:
        # A cache must not fail the change it describes: the view expires by itself
        # within CACHE_SECONDS.
        log.warning("tracking cache of order %s not dropped: %s", order_id, error)


def register(runtime: Any) -> None:
    """Drop an order's cached tracking view whenever an event changes it."""
    _store["kv"] = runtime.kv
    for name in INVALIDATING_EVENTS:
        events.bus.subscribe(name, _forget_on_event)


def reset() -> None:
    """Forget the runtime's store (tests; a process that closes its store)."""
    _store.clear()
