"""`sauda demo`: a small, realistic flower shop to click through.

Catalog of bouquets with photos as URLs, stock with compositions, customers with an
important date, and orders in several statuses. Loading it twice adds a second shop.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.actors import Actor
from core.models import (
    Customer,
    DateType,
    ImportantDate,
    MoveKind,
    OrderStatus,
    Product,
    ProductComponent,
    ProductKind,
    Role,
    Shop,
    StockItem,
)
from core.orders.service import ItemRequest, change_status, place_order
from core.shops import add_member, create_shop, get_or_create_user_by_phone
from core.stock import record_move

PHOTO = "https://images.example.kz/demo/{}.jpg"

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

CUSTOMERS = [
    ("+77011234567", "Иван Петров", "ул. Абая 10, кв. 5"),
    ("+77017654321", "Айгуль Касымова", "пр. Достык 89, кв. 45"),
    ("+77051112233", "Дана Сейтова", "мкр. Самал-2, д. 33"),
]


async def load_demo() -> Shop:
    slug = None if await Shop.filter(slug="demo").exists() else "demo"
    shop = await create_shop(
        name="Гүлдер — демо", slug=slug, timezone="Asia/Almaty", currency="KZT"
    )
    shop.settings = {
        "slots": ["10:00-12:00", "12:00-14:00", "14:00-16:00", "16:00-18:00", "18:00-20:00"],
        "delivery_fee": 2000,
        "reminder_days": 3,
    }
    await shop.save()
    owner, _ = await get_or_create_user_by_phone(phone="+77010000001", name="Асель")
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
            image_url=PHOTO.format(index),
            images=[PHOTO.format(index)],
            is_popular=index == 1,
            is_new=index == 3,
            cost_price=sum(items[s].price_per_unit * q for s, q in composition.items()) or None,
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
    plans = [
        (customers[0], [ItemRequest(products[0].id, 1)], [OrderStatus.PAID]),
        (
            customers[1],
            [ItemRequest(products[1].id, 1), ItemRequest(products[4].id, 1)],
            [OrderStatus.PAID, OrderStatus.IN_PRODUCTION, OrderStatus.ASSEMBLED],
        ),
        (customers[2], [ItemRequest(products[2].id, 2)], []),
    ]
    for number, (customer, order_items, statuses) in enumerate(plans):
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
            await change_status(shop_id=shop.id, order_id=order.id, to=status, actor=actor)
    return shop
