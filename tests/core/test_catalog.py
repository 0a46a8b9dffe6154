"""Staff editing the catalog from a chat: who may, what a new category or a price does."""

from __future__ import annotations

import pytest

from core import catalog
from core.errors import NotFound, ValidationFailed
from core.models import Category, Role
from core.permissions import RoleForbidden
from tests.factories import make_product, make_shop

pytestmark = pytest.mark.usefixtures("db")


async def test_a_florist_adds_a_product_into_a_new_category_once() -> None:
    shop = await make_shop("Flowers", slug="flowers")
    first = await catalog.add_product(
        shop_id=shop.id, roles={Role.FLORIST}, name=" Tulips ", price=9000, category_name="Spring"
    )
    second = await catalog.add_product(
        shop_id=shop.id, roles={Role.OWNER}, name="Irises", price=8000, category_name="Spring"
    )
    assert first.name == "Tulips" and first.is_active
    assert first.category_id == second.category_id  # type: ignore[attr-defined]
    assert await Category.filter(shop_id=shop.id).count() == 1


async def test_a_cashier_or_a_courier_may_not_touch_the_catalog() -> None:
    shop = await make_shop("Flowers", slug="flowers")
    product = await make_product(shop, "Roses", price=1000)
    for role in (Role.CASHIER, Role.COURIER):
        with pytest.raises(RoleForbidden):
            await catalog.add_product(shop_id=shop.id, roles={role}, name="X", price=1)
        with pytest.raises(RoleForbidden):
            await catalog.change_product(
                shop_id=shop.id, roles={role}, product_id=product.id, in_stock=False
            )


async def test_another_shops_category_or_product_is_not_found() -> None:
    shop = await make_shop("Flowers", slug="flowers")
    other = await make_shop("Other", slug="other")
    theirs = await Category.create(shop=other, name="Theirs")
    product = await make_product(other, "Roses", price=1000)
    with pytest.raises(NotFound):
        await catalog.add_product(
            shop_id=shop.id, roles={Role.OWNER}, name="X", price=1, category_id=theirs.id
        )
    with pytest.raises(NotFound):
        await catalog.change_product(
            shop_id=shop.id, roles={Role.OWNER}, product_id=product.id, price=5
        )


async def test_a_price_at_or_below_the_discount_is_refused() -> None:
    shop = await make_shop("Flowers", slug="flowers")
    product = await make_product(shop, "Roses", price=10000, discount_price=8000)
    with pytest.raises(ValidationFailed):
        await catalog.change_product(
            shop_id=shop.id, roles={Role.MANAGER}, product_id=product.id, price=8000
        )
    changed = await catalog.change_product(
        shop_id=shop.id, roles={Role.MANAGER}, product_id=product.id, price=9000, in_stock=False
    )
    assert changed.price == 9000 and not changed.is_active
