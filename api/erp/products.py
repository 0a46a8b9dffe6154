"""erp products and categories: /api/products/products/, /api/products/categories/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from api.erp import contract
from api.erp.common import (
    MoneyIn,
    PageQuery,
    QuantityIn,
    money,
    page,
    quantity,
)
from api.openapi import VISIBLE_TEXT_PATTERN, not_null
from core.auth.tokens import Principal
from core.cashdesk import goods
from core.catalog_texts import TranslationsIn, translations_out
from core.dialects.prices import price_fields
from core.models import Category, Product
from core.tenancy import get_owned

# This contract's price words -> core's (core.dialects.prices: the shop contract's
# `sale_price` is core `discount_price`; here it is the shelf price).
PRICE_FIELDS = price_fields("erp")
LOCATIONS = {core: (ours,) for ours, core in PRICE_FIELDS.items()} | {"category_id": ("category",)}
Unit = Literal["pcs", "kg", "g", "l", "ml", "m", "pack", "box", "set"]


class ProductIn(BaseModel):
    name: str = Field(
        min_length=1, max_length=300, json_schema_extra={"pattern": VISIBLE_TEXT_PATTERN}
    )
    sku: str | None = Field(default=None, max_length=64)
    barcode: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=5000)
    category: int | None = None
    cost_price: MoneyIn | None = None
    sale_price: MoneyIn
    wholesale_price: MoneyIn | None = None
    tax_rate: int = Field(default=0, ge=0, le=100)
    unit: Unit = "pcs"
    is_active: bool = True
    min_stock: QuantityIn | None = None
    initial_stock: QuantityIn | None = None
    translations: TranslationsIn | None = None


class ProductPatch(BaseModel):
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        json_schema_extra={"pattern": VISIBLE_TEXT_PATTERN},
    )
    sku: str | None = Field(default=None, max_length=64)
    barcode: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=5000)
    category: int | None = None
    cost_price: MoneyIn | None = None
    sale_price: MoneyIn | None = None
    wholesale_price: MoneyIn | None = None
    tax_rate: int | None = Field(default=None, ge=0, le=100)
    unit: Unit | None = None
    is_active: bool | None = None
    min_stock: QuantityIn | None = None
    translations: TranslationsIn | None = None

    # A field left out stays as it is; these always have a value (null is none).
    _not_null = field_validator("name", "sale_price", "tax_rate", "unit", "is_active", "min_stock")(
        not_null
    )


class ProductQuery(PageQuery):
    search: str | None = Field(default=None, max_length=200)
    category: int | None = None
    is_active: bool | None = None
    ordering: str = "-created_at"


class AdjustIn(BaseModel):
    quantity: Decimal = Field(ge=-1_000_000, le=1_000_000, decimal_places=3)
    note: str = Field(default="", max_length=300)


class CategoryIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    parent: int | None = None


class CategoryPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


def to_core(values: dict[str, Any], translations: TranslationsIn | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if translations is not None:
        data["translations"] = translations.to_core()
    for name, value in values.items():
        if name in ("min_stock", "initial_stock"):
            continue
        if name == "category":
            data["category_id"] = value
        elif name == "translations":
            continue
        else:
            data[PRICE_FIELDS.get(name, name)] = value
    return data


def product_out(view: goods.Goods) -> dict[str, Any]:
    p = view.product
    out = {
        "id": p.id,
        "name": p.name,
        "sku": p.sku,
        "barcode": p.barcode,
        "description": p.description,
        "category": view.category.id if view.category else None,
        "category_name": view.category.name if view.category else None,
        "cost_price": money(p.cost_price),
        "sale_price": money(p.price),
        "wholesale_price": money(p.wholesale_price),
        "tax_rate": p.tax_rate,
        "unit": p.unit,
        "is_active": p.is_active,
        "stock_quantity": quantity(view.on_hand),
        "min_stock": quantity(view.min_stock),
        "is_low_stock": view.is_low_stock,
        "created_at": p.created_at.isoformat(),
        "updated_at": p.updated_at.isoformat(),
    }
    translations = translations_out(p)
    if translations:  # an extension: only on products that have some
        out["translations"] = {k: text.model_dump() for k, text in translations.items()}
    return out


async def one(product: Any) -> dict[str, Any]:
    [view] = await goods.goods_views([product])
    return product_out(view)


def category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.id,
        "name": category.name,
        "description": category.description,
        "parent": category.parent_id,  # type: ignore[attr-defined]
        "created_at": category.created_at.isoformat(),
    }


@contract.get("/products/products/", tags=("products",))
async def list_products(
    request: web.Request, *, query: ProductQuery, principal: Principal
) -> dict[str, Any]:
    """Products, searched by name, SKU or barcode."""
    rows, total = await goods.list_goods(
        shop_id=principal.shop_id,
        spec=goods.GoodsFilter(
            search=query.search,
            category_id=query.category,
            is_active=query.is_active,
            ordering=query.ordering,
        ),
        offset=query.offset,
        limit=query.page_size,
    )
    views = await goods.goods_views(rows)
    return page([product_out(v) for v in views], total, query, request.path)


@contract.post("/products/products/", status=201, tags=("products",))
async def create_product(
    request: web.Request, *, body: ProductIn, principal: Principal
) -> dict[str, Any]:
    """Create a product (optionally with its low-stock threshold and opening stock)."""
    product = await goods.create_goods(
        shop_id=principal.shop_id,
        values=to_core(body.model_dump(), body.translations),
        min_stock=body.min_stock,
        initial_stock=body.initial_stock,
        user_id=principal.user_id,
        loc=LOCATIONS,
    )
    return await one(product)


@contract.get("/products/products/low-stock/", tags=("products",))
async def low_stock(request: web.Request, *, principal: Principal) -> list[dict[str, Any]]:
    """Active products at or below their minimum stock."""
    return [product_out(v) for v in await goods.low_stock(shop_id=principal.shop_id)]


@contract.get("/products/products/{product_id}/", tags=("products",))
async def get_product(
    request: web.Request, *, product_id: int, principal: Principal
) -> dict[str, Any]:
    """One product."""
    return await one(await get_owned(Product, shop_id=principal.shop_id, id=product_id))


async def _update(principal: Principal, product_id: int, body: ProductPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    product = await goods.update_goods(
        shop_id=principal.shop_id,
        product_id=product_id,
        changes=to_core(changes, body.translations),
        min_stock=changes.get("min_stock"),
        loc=LOCATIONS,
    )
    return await one(product)


@contract.patch("/products/products/{product_id}/", tags=("products",))
async def patch_product(
    request: web.Request, *, product_id: int, body: ProductPatch, principal: Principal
) -> dict[str, Any]:
    """Change the fields sent."""
    return await _update(principal, product_id, body)


@contract.put("/products/products/{product_id}/", tags=("products",))
async def put_product(
    request: web.Request, *, product_id: int, body: ProductPatch, principal: Principal
) -> dict[str, Any]:
    """Change the fields sent (as PATCH)."""
    return await _update(principal, product_id, body)


@contract.delete("/products/products/{product_id}/", status=204, tags=("products",))
async def delete_product(request: web.Request, *, product_id: int, principal: Principal) -> None:
    """Delete a product (one that was sold is deactivated instead)."""
    await goods.remove_goods(shop_id=principal.shop_id, product_id=product_id)


@contract.post("/products/products/{product_id}/adjust-stock/", tags=("products",))
async def adjust_stock(
    request: web.Request, *, product_id: int, body: AdjustIn, principal: Principal
) -> dict[str, Any]:
    """Add (positive) or write off (negative) stock: an adjustment in the ledger."""
    await goods.adjust_goods(
        shop_id=principal.shop_id,
        product_id=product_id,
        quantity=body.quantity,
        note=body.note,
        user_id=principal.user_id,
    )
    return await one(await get_owned(Product, shop_id=principal.shop_id, id=product_id))


@contract.get("/products/categories/", tags=("products",))
async def list_categories(request: web.Request, *, principal: Principal) -> list[dict[str, Any]]:
    """The store's categories."""
    return [category_out(c) for c in await goods.list_categories(shop_id=principal.shop_id)]


@contract.post("/products/categories/", status=201, tags=("products",))
async def create_category(
    request: web.Request, *, body: CategoryIn, principal: Principal
) -> dict[str, Any]:
    """Create a category."""
    category = await goods.create_category(
        shop_id=principal.shop_id,
        name=body.name,
        description=body.description,
        parent_id=body.parent,
    )
    return category_out(category)


@contract.get("/products/categories/{category_id}/", tags=("products",))
async def get_category(
    request: web.Request, *, category_id: int, principal: Principal
) -> dict[str, Any]:
    """One category."""
    return category_out(
        await get_owned(Category, shop_id=principal.shop_id, id=category_id, what="Category")
    )


@contract.patch("/products/categories/{category_id}/", tags=("products",))
async def patch_category(
    request: web.Request, *, category_id: int, body: CategoryPatch, principal: Principal
) -> dict[str, Any]:
    """Rename or describe a category."""
    category = await goods.update_category(
        shop_id=principal.shop_id,
        category_id=category_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return category_out(category)


@contract.delete("/products/categories/{category_id}/", status=204, tags=("products",))
async def delete_category(request: web.Request, *, category_id: int, principal: Principal) -> None:
    """Delete a category (its products stay, without one)."""
    await goods.delete_category(shop_id=principal.shop_id, category_id=category_id)
