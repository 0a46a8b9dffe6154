"""Small builders for test data, through the same core services the product uses."""

from __future__ import annotations

import itertools
from typing import Any

from core.customers import link_chat
from core.models import Customer, Membership, Product, Role, Shop, StockItem, User
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from core.shops import add_member, create_shop

_phones = itertools.count(1000001)


def next_phone() -> str:
    return f"+7701{next(_phones):07d}"


async def make_customer(
    *, telegram: int | None = None, whatsapp: str | None = None, **fields: Any
) -> Customer:
    """A customer (Customer.create's fields) with the chats given: a Telegram user id,
    a WhatsApp id."""
    customer = await Customer.create(**fields)
    await give_chats(customer, telegram=telegram, whatsapp=whatsapp)
    return customer


async def give_chats(
    customer: Customer, *, telegram: int | None = None, whatsapp: str | None = None
) -> None:
    """Link the customer to a Telegram user id and/or a WhatsApp id."""
    shop_id: int = customer.shop_id  # type: ignore[attr-defined]
    if telegram is not None:
        address = ChatAddress(ChannelName.TELEGRAM, str(telegram))
        await link_chat(shop_id=shop_id, customer_id=customer.id, address=address)
    if whatsapp is not None:
        address = ChatAddress(ChannelName.WHATSAPP, whatsapp)
        await link_chat(shop_id=shop_id, customer_id=customer.id, address=address)


async def make_shop(name: str = "Цветы Алматы", **extra: Any) -> Shop:
    return await create_shop(name=name, **extra)


async def make_member(
    shop: Shop, role: Role = Role.OWNER, *, name: str = "", phone: str | None = None
) -> User:
    user = await User.create(phone=phone or next_phone(), name=name or role.value.title())
    await add_member(shop_id=shop.id, user_id=user.id, role=role)
    return user


def token_for(runtime: Runtime, user: User, shop: Shop, role: Role = Role.OWNER) -> str:
    return runtime.issuer.issue(user_id=user.id, shop_id=shop.id, role=role)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def owner_headers(
    runtime: Runtime, shop: Shop | None = None
) -> tuple[Shop, User, dict[str, str]]:
    shop = shop or await make_shop()
    user = await make_member(shop, Role.OWNER)
    return shop, user, auth(token_for(runtime, user, shop))


async def make_product(
    shop: Shop, name: str = "Букет роз 'Классика'", price: int = 25000, **extra: Any
) -> Product:
    return await Product.create(shop=shop, name=name, price=price, **extra)


async def make_stock_item(
    shop: Shop, name: str = "Роза красная", quantity: int = 0, **extra: Any
) -> StockItem:
    from decimal import Decimal

    from core.models import MoveKind
    from core.stock import record_move

    item = await StockItem.create(shop=shop, name=name, **extra)
    if quantity:
        await record_move(
            item=item, kind=MoveKind.ADJUSTMENT, quantity=Decimal(quantity), note="test stock"
        )
    return item


async def memberships(user: User) -> list[Membership]:
    return await Membership.filter(user_id=user.id)
