"""Price words of the contracts for core's price fields: ONE table.

    core field        shop (seed 000)    erp (seed 004)
    price             retail_price       sale_price
    discount_price    sale_price         —
    cost_price        cost_price         cost_price
    wholesale_price   —                  wholesale_price

The same word means different fields: the shop contract's `sale_price` is a discounted
price, the erp contract's `sale_price` the shelf price. Each dialect reads its column.
"""

from __future__ import annotations

from typing import Literal

Dialect = Literal["shop", "erp"]

PRICE_WORDS: dict[str, dict[Dialect, str]] = {
    "price": {"shop": "retail_price", "erp": "sale_price"},
    "discount_price": {"shop": "sale_price"},
    "cost_price": {"shop": "cost_price", "erp": "cost_price"},
    "wholesale_price": {"erp": "wholesale_price"},
}


def price_words(dialect: Dialect) -> dict[str, str]:
    """Core field -> the dialect's word."""
    return {field: words[dialect] for field, words in PRICE_WORDS.items() if dialect in words}


def price_fields(dialect: Dialect) -> dict[str, str]:
    """The dialect's word -> core field."""
    return {word: field for field, word in price_words(dialect).items()}
