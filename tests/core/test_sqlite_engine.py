"""Case-insensitive search folds Cyrillic on SQLite as it does on PostgreSQL."""

from __future__ import annotations

from core.models import Product
from tests.factories import make_product, make_shop


async def test_icontains_finds_cyrillic_in_any_case_on_both_databases(db: str) -> None:
    shop = await make_shop()
    await make_product(shop, name="Роза Красная")
    await make_product(shop, name="Тюльпан")
    for text in ("роза", "РОЗА", "красная", "Роза Красная"):
        assert await Product.filter(name__icontains=text).count() == 1, text
    assert await Product.filter(name__icontains="ромашка").count() == 0
