"""Shop slugs are transliterated from Cyrillic and Kazakh/Uzbek names, and unique."""

from __future__ import annotations

import pytest

from core.shops import create_shop, slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Гүлдер", "gulder"),
        ("Қызғалдақ", "qyzgaldaq"),
        ("Цветы & Подарки", "tsvety-podarki"),
        ("Oʻzbek gullari", "ozbek-gullari"),
        ("Ўзбекистон", "ozbekiston"),
        ("Café Rosé", "cafe-rose"),
        ("!!!", "shop"),
    ],
)
def test_names_become_latin_slugs(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.usefixtures("db")
async def test_a_taken_slug_gets_the_next_number() -> None:
    first = await create_shop(name="Гүлдер")
    second = await create_shop(name="Гүлдер")
    third = await create_shop(name="ГҮЛДЕР")
    assert [first.slug, second.slug, third.slug] == ["gulder", "gulder-2", "gulder-3"]
