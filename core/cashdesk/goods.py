"""Products as a till sells them: the catalog product with its SKU, barcode and the
stock on hand of its goods item (core.stock), categories, and stock adjustments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import catalog, stock
from core.errors import BadRequest, ValidationFailed
from core.models import Category, MoveKind, Product, SaleItem, StockItem
from core.tenancy import get_owned, is_row_id, scoped

ORDERINGS = {
    "created_at": "created_at",
    "-created_at": "-created_at",
    "name": "name",
    "-name": "-name",
    "sale_price": "price",
    "-sale_price": "-price",
}


@dataclass
class Goods:
    product: Product
    on_hand: Decimal
    min_stock: Decimal
    category: Category | None

    @property
    def is_low_stock(self) -> bool:
        return self.on_hand <= self.min_stock


async def goods_views(products: list[Product]) -> list[Goods]:
    levels = await stock.goods_on_hand([p.id for p in products])
    category_ids = {p.category_id for p in products if p.category_id}  # type: ignore[attr-defined]
    categories = {c.id: c for c in await Category.filter(id__in=list(category_ids))}
    return [
        Goods(
            product=p,
            on_hand=levels.get(p.id, (Decimal(0), Decimal(0)))[0],
            min_stock=levels.get(p.id, (Decimal(0), Decimal(0)))[1],
            category=categories.get(p.category_id),  # type: ignore[attr-defined]
        )
        for p in products
    ]


async def _check_codes(
    shop_id: int, values: Mapping[str, Any], except_id: int | None = None
) -> None:
    for name in ("sku", "barcode"):
        code = values.get(name)
        if code is None:
            continue
        if not str(code).strip():
            raise ValidationFailed.field(name, msg="must not be empty")
        query = scoped(Product, shop_id).filter(**{name: code})
        if except_id is not None:
            query = query.exclude(id=except_id)
        if await query.exists():
            label = "SKU" if name == "sku" else "barcode"
            raise ValidationFailed.field(
                name, msg=f"A product with this {label} already exists in this store"
            )


async def _check_category(shop_id: int, values: Mapping[str, Any]) -> None:
    category_id = values.get("category_id")
    if category_id is not None:
        found = is_row_id(category_id) and (
            await scoped(Category, shop_id).filter(id=category_id).exists()
        )
        if not found:
            raise ValidationFailed.field("category", msg="No such category in this store")


async def create_goods(
    *,
    shop_id: int,
    values: Mapping[str, Any],
    min_stock: Decimal | None = None,
    initial_stock: Decimal | None = None,
    user_id: int | None = None,
    loc: Mapping[str, tuple[str | int, ...]] | None = None,
) -> Product:
    """A product with its goods item (threshold, opening stock as a supply move)."""
    await _check_codes(shop_id, values)
    await _check_category(shop_id, values)
    try:
        async with in_transaction():
            product = await catalog.create_product(shop_id=shop_id, values=values, loc=loc)
            item = await stock.goods_item(product, for_update=True)
            if min_stock is not None:
                item.min_quantity = min_stock
                await item.save(update_fields=["min_quantity", "updated_at"])
            if initial_stock:
                await stock.record_move(
                    item=item,
                    kind=MoveKind.SUPPLY,
                    quantity=initial_stock,
                    note="opening stock",
                    user_id=user_id,
                )
    except IntegrityError:
        raise BadRequest(
            "A product with this SKU or barcode already exists in this store"
        ) from None
    return product


async def update_goods(
    *,
    shop_id: int,
    product_id: int,
    changes: Mapping[str, Any],
    min_stock: Decimal | None = None,
    loc: Mapping[str, tuple[str | int, ...]] | None = None,
) -> Product:
    await _check_codes(shop_id, changes, except_id=product_id)
    await _check_category(shop_id, changes)
    try:
        async with in_transaction():
            product = await catalog.update_product(
                shop_id=shop_id, product_id=product_id, changes=changes, loc=loc
            )
            if min_stock is not None:
                item = await stock.goods_item(product, for_update=True)
                item.min_quantity = min_stock
                await item.save(update_fields=["min_quantity", "updated_at"])
            if "name" in changes:
                await StockItem.filter(product_id=product.id).update(
                    name=stock.item_name(product.name)
                )
    except IntegrityError:
        raise BadRequest(
            "A product with this SKU or barcode already exists in this store"
        ) from None
    return product


async def remove_goods(*, shop_id: int, product_id: int) -> bool:
    """Delete a product never sold; one that was sold is deactivated instead (its sales
    keep their lines). Returns True when it was deleted."""
    async with in_transaction():
        product = await get_owned(Product, shop_id=shop_id, id=product_id, for_update=True)
        if await SaleItem.filter(product_id=product.id).exists():
            product.is_active = False
            await product.save(update_fields=["is_active", "updated_at"])
            return False
        await StockItem.filter(product_id=product.id).delete()
        await product.delete()
        return True


async def adjust_goods(
    *, shop_id: int, product_id: int, quantity: Decimal, note: str, user_id: int | None
) -> Decimal:
    """An adjustment move (a count, a write-in); the stock may not go below zero."""
    if quantity == 0:
        raise ValidationFailed.field("quantity", msg="must not be zero")
    async with in_transaction():
        product = await get_owned(Product, shop_id=shop_id, id=product_id)
        item = await stock.goods_item(product, for_update=True)
        if Decimal(item.quantity) + quantity < 0:
            raise BadRequest(
                f"Not enough stock: {product.name} has {stock.fmt_quantity(Decimal(item.quantity))}"
            )
        await stock.record_move(
            item=item, kind=MoveKind.ADJUSTMENT, quantity=quantity, note=note[:300], user_id=user_id
        )
        return Decimal(item.quantity)


@dataclass(frozen=True)
class GoodsFilter:
    search: str | None = None
    category_id: int | None = None
    is_active: bool | None = None
    ordering: str = "-created_at"


async def list_goods(
    *, shop_id: int, spec: GoodsFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Product], int]:
    if spec.ordering not in ORDERINGS:
        raise ValidationFailed.field("ordering", msg=f"must be one of {', '.join(ORDERINGS)}")
    query = scoped(Product, shop_id)
    if spec.search and spec.search.strip():
        text = spec.search.strip()
        query = query.filter(
            Q(name__icontains=text) | Q(sku__icontains=text) | Q(barcode__icontains=text)
        )
    if spec.category_id is not None:
        query = query.filter(category_id=spec.category_id)
    if spec.is_active is not None:
        query = query.filter(is_active=spec.is_active)
    total = await query.count()
    rows = await query.order_by(ORDERINGS[spec.ordering], "id").offset(offset).limit(limit)
    return list(rows), total


async def low_stock(*, shop_id: int) -> list[Goods]:
    """Active products at or below their minimum, lowest first."""
    products = list(await scoped(Product, shop_id).filter(is_active=True).order_by("id"))
    views = [g for g in await goods_views(products) if g.is_low_stock]
    views.sort(key=lambda g: (g.on_hand - g.min_stock, g.product.id))
    return views


async def list_categories(*, shop_id: int) -> list[Category]:
    return list(await scoped(Category, shop_id).order_by("name", "id"))


async def create_category(
    *, shop_id: int, name: str, description: str | None = None, parent_id: int | None = None
) -> Category:
    name = name.strip()
    if not name:
        raise ValidationFailed.field("name", msg="must not be empty")
    if await scoped(Category, shop_id).filter(name=name).exists():
        raise ValidationFailed.field("name", msg="A category with this name already exists")
    if parent_id is not None:
        await get_owned(Category, shop_id=shop_id, id=parent_id, what="Category")
    try:
        return await Category.create(
            shop_id=shop_id, name=name, description=description, parent_id=parent_id
        )
    except IntegrityError:
        raise ValidationFailed.field(
            "name", msg="A category with this name already exists"
        ) from None


async def update_category(
    *, shop_id: int, category_id: int, changes: Mapping[str, Any]
) -> Category:
    category = await get_owned(Category, shop_id=shop_id, id=category_id, what="Category")
    if "name" in changes:
        name = str(changes["name"] or "").strip()
        if not name:
            raise ValidationFailed.field("name", msg="must not be empty")
        if await scoped(Category, shop_id).filter(name=name).exclude(id=category.id).exists():
            raise ValidationFailed.field("name", msg="A category with this name already exists")
        category.name = name
    if "description" in changes:
        category.description = changes["description"]
    await category.save()
    return category


async def delete_category(*, shop_id: int, category_id: int) -> None:
    category = await get_owned(Category, shop_id=shop_id, id=category_id, what="Category")
    await category.delete()
