"""The catalog: products of a shop, their prices and the rules that keep them sane.

Prices are whole currency units. A product's effective price is its discount price when
that is set and below the shelf price (`Product.current_price`); filters on price use
the same rule in SQL, so what a list filters on is what it shows.

Staff manage the catalog from the chat too (`add_product`, `change_product`,
`translate_product`; names in other languages: core.catalog_texts): the role
table (core.permissions, EDIT_CATALOG) decides who may; "in stock" is whether the
product is on sale (`is_active`), which is what customers' catalogs show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Case, F, Q, When
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core import permissions
from core.catalog_texts import checked_translations, merged_translations
from core.errors import ValidationFailed
from core.models import Category, Product, ProductKind, Role
from core.tenancy import get_owned, scoped

# Fields a client may write, and the location its dialect reports them at.
EDITABLE = (
    "name",
    "kind",
    "description",
    "price",
    "discount_price",
    "cost_price",
    "is_active",
    "is_popular",
    "is_new",
    "sku",
    "barcode",
    "wholesale_price",
    "tax_rate",
    "unit",
    "category_id",
    "translations",
)


@dataclass(frozen=True)
class ProductFilter:
    kinds: Sequence[ProductKind] = ()
    search: str | None = None
    is_popular: bool | None = None
    is_new: bool | None = None
    is_active: bool | None = None
    min_price: int | None = None
    max_price: int | None = None
    on_sale: bool | None = None


def _on_sale() -> Q:
    return Q(discount_price__isnull=False) & Q(discount_price__lt=F("price"))


def _filtered(shop_id: int, spec: ProductFilter) -> QuerySet[Product]:
    query = scoped(Product, shop_id).annotate(
        effective_price=Case(When(_on_sale(), then=F("discount_price")), default=F("price"))
    )
    if spec.kinds:
        query = query.filter(kind__in=list(spec.kinds))
    if spec.search:
        text = spec.search.strip()
        query = query.filter(Q(name__icontains=text) | Q(description__icontains=text))
    for flag in ("is_popular", "is_new", "is_active"):
        value = getattr(spec, flag)
        if value is not None:
            query = query.filter(**{flag: value})
    if spec.min_price is not None:
        query = query.filter(effective_price__gte=spec.min_price)
    if spec.max_price is not None:
        query = query.filter(effective_price__lte=spec.max_price)
    if spec.on_sale is True:
        query = query.filter(_on_sale())
    elif spec.on_sale is False:
        query = query.filter(~_on_sale())
    return query


async def list_products(
    *, shop_id: int, spec: ProductFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Product], int]:
    """One page of the shop's products matching `spec` (by id), and how many match."""
    if (
        spec.min_price is not None
        and spec.max_price is not None
        and spec.min_price > spec.max_price
    ):
        raise ValidationFailed.field(
            "min_price", msg="min_price must not be greater than max_price"
        )
    query = _filtered(shop_id, spec)
    total = await query.count()
    rows = await query.order_by("id").offset(offset).limit(limit)
    return list(rows), total


def _check_prices(values: Mapping[str, Any], loc: Mapping[str, tuple[str | int, ...]]) -> None:
    price = values.get("price")
    discount = values.get("discount_price")
    if price is None:
        raise ValidationFailed.field(*loc["price"], msg="Field required", type="missing")
    for name in ("price", "discount_price", "cost_price"):
        value = values.get(name)
        if value is not None and value < 0:
            raise ValidationFailed.field(*loc[name], msg="must not be negative")
    if discount is not None and discount >= price:
        raise ValidationFailed.field(
            *loc["discount_price"],
            msg=f"the discounted price must be lower than the regular price ({price})",
        )


def _name_checked(values: Mapping[str, Any], loc: Mapping[str, tuple[str | int, ...]]) -> None:
    if "name" in values and not str(values["name"] or "").strip():
        raise ValidationFailed.field(*loc["name"], msg="name must not be empty")


def _locations(loc: Mapping[str, tuple[str | int, ...]] | None) -> dict[str, tuple[str | int, ...]]:
    found: dict[str, tuple[str | int, ...]] = {name: (name,) for name in EDITABLE}
    found.update(loc or {})
    return found


async def create_product(
    *,
    shop_id: int,
    values: Mapping[str, Any],
    loc: Mapping[str, tuple[str | int, ...]] | None = None,
) -> Product:
    """Add a product; a negative price or a discount not below the price is a 422.

    `loc` maps a field to where the caller's dialect names it (shop: price -> retail_price).
    """
    where = _locations(loc)
    data = {name: values[name] for name in EDITABLE if name in values}
    _name_checked(data, where)
    if "name" not in data:
        raise ValidationFailed.field(*where["name"], msg="Field required", type="missing")
    _check_prices(data, where)
    data["name"] = str(data["name"]).strip()
    if data.get("translations") is not None:
        changes = checked_translations(data["translations"], where["translations"])
        data["translations"] = merged_translations({}, changes)
    else:
        data.pop("translations", None)
    return await Product.create(shop_id=shop_id, **data)


async def get_product(*, shop_id: int, product_id: int) -> Product:
    return await get_owned(Product, shop_id=shop_id, id=product_id)


async def update_product(
    *,
    shop_id: int,
    product_id: int,
    changes: Mapping[str, Any],
    loc: Mapping[str, tuple[str | int, ...]] | None = None,
) -> Product:
    """Change the given fields only; the prices are checked as they will stand after."""
    where = _locations(loc)
    data = {name: changes[name] for name in EDITABLE if name in changes}
    _name_checked(data, where)
    if "price" in data and data["price"] is None:
        raise ValidationFailed.field(*where["price"], msg="must not be null")
    translated = None
    if "translations" in data:
        given = data.pop("translations")
        translated = checked_translations(given or {}, where["translations"])
    async with in_transaction():
        product = await get_owned(Product, shop_id=shop_id, id=product_id, for_update=True)
        merged = {
            "price": product.price,
            "discount_price": product.discount_price,
            "cost_price": product.cost_price,
        }
        merged.update({k: v for k, v in data.items() if k in merged})
        _check_prices(merged, where)
        if "name" in data:
            data["name"] = str(data["name"]).strip()
        if translated is not None:
            data["translations"] = merged_translations(product.translations, translated)
        for name, value in data.items():
            setattr(product, name, value)
        if data:
            await product.save(update_fields=[*data, "updated_at"])
    return product


async def delete_product(*, shop_id: int, product_id: int) -> None:
    """Remove a product; orders keep their item snapshots (name, price)."""
    async with in_transaction():
        product = await get_owned(Product, shop_id=shop_id, id=product_id, for_update=True)
        await product.delete()


async def shop_categories(*, shop_id: int) -> list[Category]:
    """The shop's categories by name."""
    return list(await Category.filter(shop_id=shop_id).order_by("name", "id"))


async def add_product(
    *,
    shop_id: int,
    roles: Iterable[Role],
    name: str,
    price: int,
    category_id: int | None = None,
    category_name: str | None = None,
    in_stock: bool = True,
    image_url: str | None = None,
) -> Product:
    """A staff member adds a product: into an existing category, a new one named
    `category_name` (made when missing), or none.

    Outcomes: the product; RoleForbidden for a role that may not edit the catalog;
    ValidationFailed for an empty name or a negative price; NotFound for another shop's
    category.
    """
    permissions.check(roles, permissions.Action.EDIT_CATALOG)
    async with in_transaction():
        if category_name is not None and category_name.strip():
            category, _created = await Category.get_or_create(
                shop_id=shop_id, name=category_name.strip()[:200]
            )
            category_id = category.id
        elif category_id is not None:
            await get_owned(Category, shop_id=shop_id, id=category_id)
        product = await create_product(
            shop_id=shop_id,
            values={
                "name": name,
                "price": price,
                "is_active": in_stock,
                "category_id": category_id,
            },
        )
        if image_url:
            product.image_url = image_url[:1000]
            await product.save(update_fields=["image_url", "updated_at"])
    return product


async def change_product(
    *,
    shop_id: int,
    roles: Iterable[Role],
    product_id: int,
    price: int | None = None,
    in_stock: bool | None = None,
) -> Product:
    """A staff member changes a product's price or whether it is in stock; errors as
    for `add_product` (a discount not below the new price is a ValidationFailed)."""
    permissions.check(roles, permissions.Action.EDIT_CATALOG)
    changes: dict[str, Any] = {}
    if price is not None:
        changes["price"] = price
    if in_stock is not None:
        changes["is_active"] = in_stock
    return await update_product(shop_id=shop_id, product_id=product_id, changes=changes)


async def translate_product(
    *,
    shop_id: int,
    roles: Iterable[Role],
    product_id: int,
    language: str,
    name: str,
    description: str | None = None,
) -> Product:
    """A staff member gives the product's name (and description) in `language`; errors
    as for `change_product` (an unknown language or an empty name: ValidationFailed)."""
    permissions.check(roles, permissions.Action.EDIT_CATALOG)
    texts = {"name": name, "description": description}
    return await update_product(
        shop_id=shop_id, product_id=product_id, changes={"translations": {language: texts}}
    )
