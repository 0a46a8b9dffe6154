"""`sauda demo`: a small, realistic flower shop to click through.

Catalog of bouquets with photos (drawn by tools/make_demo_photos.py, shipped in
api/static/demo/ and served by us at /static/demo/, so they load offline), stock with
compositions, customers with an important date, and orders in several states: one
placed, one paid, one assembled with its bouquet photo, one delivered with its delivery
photo. Loading it again refreshes the same `demo` shop (its id, staff chat and members
stay; its catalog, stock, customers and orders are made anew).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from tortoise.transactions import in_transaction

from core.actors import Actor
from core.auth.apikeys import create_api_key
from core.models import (
    ApiKey,
    Category,
    Customer,
    DateType,
    ImportantDate,
    MoveKind,
    Notification,
    Order,
    OrderStatus,
    PhotoKind,
    Product,
    ProductComponent,
    ProductKind,
    Role,
    Shop,
    StockItem,
    StockMove,
    StockSnapshot,
    SupplyDelivery,
    Task,
)
from core.orders.service import ItemRequest, change_status, place_order
from core.photos import DEMO_URL_PREFIX, add_order_photo, demo_photos_dir
from core.shops import add_member, create_shop, get_or_create_user_by_phone
from core.stock import record_move

SLUG = "demo"
OWNER_PHONE = "+77010000001"
PHOTOS = ("classic", "tenderness", "spring", "box", "card")

STOCK = [
    # name, variety, supplier, quantity, min, cost per stem
    ("Роза красная 50 см", "Freedom", "Flower Direct", 300, 50, 235),
    ("Роза белая 50 см", "Mondial", "Flower Direct", 150, 40, 240),
    ("Тюльпан", "Strong Gold", "Алматы Гүл", 200, 50, 180),
    ("Эустома", "Rosita", "Алматы Гүл", 60, 20, 450),
    ("Эвкалипт", "Cinerea", "Алматы Гүл", 40, 10, 300),
    ("Упаковка крафт", None, "Pack KZ", 100, 20, 150),
]

BOUQUETS = [
    # name, kind, price, discount, description, composition {stock name: qty}
    (
        "Букет роз 'Классика'",
        ProductKind.BOUQUET,
        25000,
        None,
        "25 красных роз премиум класса",
        {"Роза красная 50 см": 25, "Упаковка крафт": 1},
    ),
    (
        "Нежность",
        ProductKind.BOUQUET,
        15000,
        13500,
        "15 белых роз и эустома",
        {"Роза белая 50 см": 11, "Эустома": 4, "Упаковка крафт": 1},
    ),
    (
        "Весенний",
        ProductKind.BOUQUET,
        12000,
        None,
        "25 тюльпанов с эвкалиптом",
        {"Тюльпан": 25, "Эвкалипт": 3, "Упаковка крафт": 1},
    ),
    (
        "Композиция в коробке",
        ProductKind.COMPOSITION,
        32000,
        None,
        "Розы и эустома в шляпной коробке",
        {"Роза красная 50 см": 15, "Эустома": 5},
    ),
    ("Открытка ручной работы", ProductKind.GIFT, 1500, None, "Открытка с вашим текстом", {}),
]

# The bouquets' names and descriptions in the other languages (core.catalog_texts): a
# Kazakh, Uzbek or English customer reads these in the bot and on the tracking page.
TRANSLATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "Букет роз 'Классика'": {
        "kk": ("«Классика» раушан гүл шоғы", "Премиум сыныпты 25 қызыл раушан"),
        "uz": ("«Klassika» atirgul guldastasi", "25 ta premium qizil atirgul"),
        "en": ("'Classic' rose bouquet", "25 premium red roses"),
    },
    "Нежность": {
        "kk": ("Нәзіктік", "15 ақ раушан және эустома"),
        "uz": ("Nafislik", "15 ta oq atirgul va eustoma"),
        "en": ("Tenderness", "15 white roses and eustoma"),
    },
    "Весенний": {
        "kk": ("Көктемгі", "Эвкалипті 25 қызғалдақ"),
        "uz": ("Bahoriy", "Evkalipt bilan 25 ta lola"),
        "en": ("Spring", "25 tulips with eucalyptus"),
    },
    "Композиция в коробке": {
        "kk": ("Қораптағы композиция", "Қалпақ қорабындағы раушандар мен эустома"),
        "uz": ("Qutidagi kompozitsiya", "Shlyapa qutisida atirgullar va eustoma"),
        "en": ("Box arrangement", "Roses and eustoma in a hat box"),
    },
    "Открытка ручной работы": {
        "kk": ("Қолдан жасалған ашықхат", "Сіздің мәтініңізбен ашықхат"),
        "uz": ("Qoʻlda yasalgan otkritka", "Sizning matningiz bilan otkritka"),
        "en": ("Handmade card", "A card with your message"),
    },
}

CUSTOMERS = [
    ("+77011234567", "Иван Петров", "ул. Абая 10, кв. 5"),
    ("+77017654321", "Айгуль Касымова", "пр. Достык 89, кв. 45"),
    ("+77051112233", "Дана Сейтова", "мкр. Самал-2, д. 33"),
]


@dataclass(frozen=True)
class Demo:
    shop: Shop
    api_key: str
    # (status, tracking token) of orders in different states
    tracking: list[tuple[OrderStatus, str]]


def photo_url(public_base_url: str, name: str) -> str:
    return f"{public_base_url.rstrip('/')}{DEMO_URL_PREFIX}{name}.jpg"


async def _clear(shop: Shop) -> None:
    """Forget what a previous demo run made in the shop (its members stay)."""
    async with in_transaction():
        for model in (
            Order,
            Task,
            StockMove,
            StockSnapshot,
            SupplyDelivery,
            Product,
            Category,
            StockItem,
            ImportantDate,
            Customer,
            Notification,
        ):
            await model.filter(shop_id=shop.id).delete()
        await ApiKey.filter(shop_id=shop.id, name="demo").delete()


async def load_demo(*, data_dir: Path, public_base_url: str) -> Demo:
    """Load (or refresh) the demo shop; returns it with an API key and tracking links."""
    shop = await Shop.get_or_none(slug=SLUG)
    if shop is None:
        shop = await create_shop(
            name="Гүлдер — демо", slug=SLUG, timezone="Asia/Almaty", currency="KZT"
        )
    else:
        await _clear(shop)
    shop.phone = "+77270000000"
    shop.address = "г. Алматы, ул. Панфилова 100"
    shop.settings = {
        **(shop.settings or {}),
        "slots": ["10:00-12:00", "12:00-14:00", "14:00-16:00", "16:00-18:00", "18:00-20:00"],
        "delivery_fee": 2000,
        "reminder_days": 3,
    }
    await shop.save()
    owner, _ = await get_or_create_user_by_phone(phone=OWNER_PHONE, name="Асель")
    await add_member(shop_id=shop.id, user_id=owner.id, role=Role.OWNER)
    for phone, name, role in (
        ("+77010000002", "Мадина", Role.FLORIST),
        ("+77010000003", "Ержан", Role.COURIER),
        ("+77010000004", "Алия", Role.MANAGER),
    ):
        user, _ = await get_or_create_user_by_phone(phone=phone, name=name)
        await add_member(shop_id=shop.id, user_id=user.id, role=role)

    items: dict[str, StockItem] = {}
    for name, variety, supplier, quantity, minimum, cost in STOCK:
        item = await StockItem.create(
            shop=shop,
            name=name,
            variety=variety,
            supplier=supplier,
            min_quantity=minimum,
            price_per_unit=cost,
            on_showcase=name.startswith("Роза"),
        )
        await record_move(
            item=item, kind=MoveKind.SUPPLY, quantity=Decimal(quantity), unit_cost=cost, note="demo"
        )
        items[name] = item

    products = []
    for index, (name, kind, price, discount, description, composition) in enumerate(BOUQUETS, 1):
        product = await Product.create(
            shop=shop,
            name=name,
            kind=kind,
            price=price,
            discount_price=discount,
            description=description,
            image_url=photo_url(public_base_url, PHOTOS[index - 1]),
            images=[photo_url(public_base_url, PHOTOS[index - 1])],
            is_popular=index == 1,
            is_new=index == 3,
            cost_price=sum(items[s].price_per_unit * q for s, q in composition.items()) or None,
            translations={
                language: {"name": text, "description": about}
                for language, (text, about) in TRANSLATIONS.get(name, {}).items()
            },
        )
        for stock_name, quantity in composition.items():
            await ProductComponent.create(
                product=product, stock_item=items[stock_name], quantity=quantity
            )
        products.append(product)

    customers = []
    for phone, name, address in CUSTOMERS:
        customers.append(await Customer.create(shop=shop, phone=phone, name=name, address=address))
    await ImportantDate.create(
        shop=shop,
        customer=customers[0],
        date_type=DateType.BIRTHDAY,
        date=date(1990, 5, 15),
        description="День рождения жены",
        reminder_days=3,
    )

    tomorrow = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(
        days=1
    )
    actor = Actor(user_id=owner.id, label="demo")
    S = OrderStatus
    plans = [
        (customers[2], [ItemRequest(products[2].id, 2)], [], None),
        (customers[0], [ItemRequest(products[0].id, 1)], [S.PAID], None),
        (
            customers[1],
            [ItemRequest(products[1].id, 1), ItemRequest(products[4].id, 1)],
            [S.PAID, S.IN_PRODUCTION, S.ASSEMBLED],
            PhotoKind.ASSEMBLED,
        ),
        (
            customers[0],
            [ItemRequest(products[3].id, 1)],
            [S.PAID, S.IN_PRODUCTION, S.ASSEMBLED, S.IN_DELIVERY, S.DELIVERED],
            PhotoKind.DELIVERED,
        ),
    ]
    tracking: list[tuple[OrderStatus, str]] = []
    for number, (customer, order_items, statuses, photo) in enumerate(plans):
        order = await place_order(
            shop_id=shop.id,
            customer_id=customer.id,
            recipient_name=customer.name,
            recipient_phone=customer.phone,
            address=f"г. Алматы, {customer.address}",
            delivery_from=tomorrow + timedelta(hours=2 * number),
            delivery_to=tomorrow + timedelta(hours=2 * number + 2),
            items=order_items,
            delivery_fee=2000,
            actor=actor,
        )
        for status in statuses:
            if status is S.DELIVERED and photo is PhotoKind.DELIVERED:
                await _photo(order, PhotoKind.DELIVERED, "delivered", data_dir, public_base_url)
            await change_status(shop_id=shop.id, order_id=order.id, to=status, actor=actor)
            if status is S.ASSEMBLED:
                await _photo(order, PhotoKind.ASSEMBLED, "assembled", data_dir, public_base_url)
        tracking.append((statuses[-1] if statuses else S.NEW, order.tracking_token))
    _, api_key = await create_api_key(shop_id=shop.id, name="demo")
    return Demo(shop=shop, api_key=api_key, tracking=tracking)


async def _photo(
    order: Order, kind: PhotoKind, name: str, data_dir: Path, public_base_url: str
) -> None:
    await add_order_photo(
        shop_id=order.shop_id,  # type: ignore[attr-defined]
        order_id=order.id,
        kind=kind,
        data=(demo_photos_dir() / f"{name}.jpg").read_bytes(),
        data_dir=data_dir,
        public_base_url=public_base_url,
    )
