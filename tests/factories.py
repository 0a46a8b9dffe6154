"""Small builders for test data, through the same core services the product uses."""

from __future__ import annotations

import itertools
from typing import Any

from core.models import Membership, Product, Role, Shop, StockItem, User
from core.runtime import Runtime
from core.shops import add_member, create_shop

_phones = itertools.count(1000001)


def next_phone() -> str:
    return f"+7701{next(_phones):07d}"


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
