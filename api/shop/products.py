"""Shop contract: the product catalog (`/api/products/`).

Dialect: `retail_price` is the product's shelf price, `sale_price` its discounted price
(null when none), `cost_price` the purchase cost; `current_price` and
`discount_percentage` are computed by core and never written. `category` is one of
bouquet, composition, gift, other (core.dialects.shop maps it onto product kinds).

Decisions the document leaves open: the list takes `page` and `limit` like every list
of the contract (default 50, max 100) and an extra `is_active` filter; `PUT` changes
only the fields it is given; `DELETE` removes the product while orders keep their item
snapshots; `min_price`/`max_price` filter on `current_price`, the price a customer pays.

Extension: an optional `translations` object gives the name and description in other
languages (core.catalog_texts); it reads back on every product.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from api.openapi import VISIBLE_TEXT_PATTERN, not_null
from api.shop import contract
from api.shop.listing import PageQuery
from api.shop.schemas_orders import Money
from core import catalog
from core.auth.tokens import Principal
from core.catalog_texts import (
    TranslationsIn,
    TranslationsOut,
    translations_field,
    translations_out,
)
from core.dialects.prices import price_fields, price_words
from core.dialects.shop import ShopCategory, category_word, kind_of_category, kinds_of_category
from core.models import Product

# Where each core field is named in this dialect, for 422 locations.
PRICE_RULES = ("sale_price, when set, is lower than retail_price.",)
LOCATIONS = {field: (word,) for field, word in price_words("shop").items()} | {
    "kind": ("category",)
}


class ProductOut(BaseModel):
    id: int
    name: str
    category: ShopCategory
    description: str | None
    cost_price: int | None
    retail_price: int
    sale_price: int | None
    is_active: bool
    is_popular: bool
    is_new: bool
    current_price: int
    discount_percentage: int
    translations: TranslationsOut | None = translations_field()


class ProductPage(BaseModel):
    items: list[ProductOut]
    total: int


class ProductQuery(PageQuery):
    category: ShopCategory | None = None
    search: str | None = Field(None, max_length=200, description="Search in name/description")
    is_popular: bool | None = None
    is_new: bool | None = None
    is_active: bool | None = None
    min_price: int | None = Field(None, ge=0, le=10**12, description="Minimum current price")
    max_price: int | None = Field(None, ge=0, le=10**12, description="Maximum current price")
    on_sale: bool | None = Field(None, description="Only items with a discounted price")


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(
        min_length=1, max_length=300, json_schema_extra={"pattern": VISIBLE_TEXT_PATTERN}
    )
    category: ShopCategory = "bouquet"
    description: str | None = Field(None, max_length=10_000)
    cost_price: Money | None = None
    retail_price: Money
    sale_price: Money | None = None
    is_active: StrictBool = True
    is_popular: StrictBool = False
    is_new: StrictBool = False
    translations: TranslationsIn | None = None


class ProductChanges(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(
        None, min_length=1, max_length=300, json_schema_extra={"pattern": VISIBLE_TEXT_PATTERN}
    )
    category: ShopCategory | None = None
    description: str | None = Field(None, max_length=10_000)
    cost_price: Money | None = None
    retail_price: Money | None = None
    sale_price: Money | None = None
    is_active: StrictBool | None = None
    is_popular: StrictBool | None = None
    is_new: StrictBool | None = None
    translations: TranslationsIn | None = None

    _not_null = field_validator(
        "name", "category", "retail_price", "is_active", "is_popular", "is_new"
    )(not_null)


def product_out(product: Product) -> ProductOut:
    return ProductOut(
        id=product.id,
        name=product.name,
        category=category_word(product.kind),  # type: ignore[arg-type]
        description=product.description,
        cost_price=product.cost_price,
        retail_price=product.price,
        sale_price=product.discount_price,
        is_active=product.is_active,
        is_popular=product.is_popular,
        is_new=product.is_new,
        current_price=product.current_price,
        discount_percentage=product.discount_percentage,
        translations=translations_out(product),
    )


def _core_values(fields: dict[str, Any], translations: TranslationsIn | None) -> dict[str, Any]:
    renamed = {**price_fields("shop"), "category": "kind"}
    values = {renamed.get(name, name): value for name, value in fields.items()}
    values.pop("translations", None)
    if translations is not None:
        values["translations"] = translations.to_core()
    if values.get("kind") is not None:
        values["kind"] = kind_of_category(values["kind"])
    return values


@contract.get(
    "/products/",
    response=ProductPage,
    tags=("products",),
    rules=("min_price is not greater than max_price.",),
)
async def list_products(
    request: web.Request, *, query: ProductQuery, principal: Principal
) -> ProductPage:
    """List products with filters and computed prices."""
    spec = catalog.ProductFilter(
        kinds=kinds_of_category(query.category) if query.category else (),
        search=query.search,
        is_popular=query.is_popular,
        is_new=query.is_new,
        is_active=query.is_active,
        min_price=query.min_price,
        max_price=query.max_price,
        on_sale=query.on_sale,
    )
    rows, total = await catalog.list_products(
        shop_id=principal.shop_id, spec=spec, offset=query.offset, limit=query.limit
    )
    return ProductPage(items=[product_out(p) for p in rows], total=total)


@contract.post("/products/", response=ProductOut, status=201, tags=("products",), rules=PRICE_RULES)
async def create_product(
    request: web.Request, *, body: ProductIn, principal: Principal
) -> ProductOut:
    """Add a product to the catalog."""
    product = await catalog.create_product(
        shop_id=principal.shop_id,
        values=_core_values(body.model_dump(), body.translations),
        loc=LOCATIONS,
    )
    return product_out(product)


@contract.get("/products/{product_id}", response=ProductOut, tags=("products",))
async def get_product(request: web.Request, *, product_id: int, principal: Principal) -> ProductOut:
    """One product."""
    return product_out(await catalog.get_product(shop_id=principal.shop_id, product_id=product_id))


@contract.put("/products/{product_id}", response=ProductOut, tags=("products",), rules=PRICE_RULES)
async def update_product(
    request: web.Request, *, product_id: int, body: ProductChanges, principal: Principal
) -> ProductOut:
    """Change the given fields of a product (others stay as they are)."""
    changes = body.model_dump(exclude_unset=True)
    product = await catalog.update_product(
        shop_id=principal.shop_id,
        product_id=product_id,
        changes=_core_values(changes, body.translations),
        loc=LOCATIONS,
    )
    return product_out(product)


@contract.delete("/products/{product_id}", status=204, tags=("products",))
async def delete_product(request: web.Request, *, product_id: int, principal: Principal) -> None:
    """Remove a product from the catalog."""
    await catalog.delete_product(shop_id=principal.shop_id, product_id=product_id)
