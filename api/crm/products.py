"""Products (Продукты) with the v2.1.0 fields, and their composition from inventory."""

from __future__ import annotations

from aiohttp import web

from api.crm import contract
from api.crm.common import caller, collection
from api.crm.schemas import (
    CompositionCreate,
    Deleted,
    Product,
    ProductComposition,
    ProductCreate,
    ProductQuery,
    ProductUpdate,
)
from core import catalog
from core.auth.tokens import Principal
from core.dialects import crm
from core.errors import BadRequest, ValidationFailed

TAGS = ("Products",)


@collection(
    contract.get,
    "/products",
    response=list[Product],
    tags=TAGS,
    responses={400: "min_price is greater than max_price"},
)
async def list_products(
    request: web.Request, *, query: ProductQuery, principal: Principal
) -> list[Product]:
    """Получить список продуктов"""
    low, high = query.min_price, query.max_price
    if low is not None and high is not None and low > high:  # together a rule: 400
        raise BadRequest("min_price must not be greater than max_price")
    who = await caller(request, principal)
    rows, _ = await catalog.list_products(
        shop_id=who.shop_id,
        spec=catalog.ProductFilter(
            kinds=crm.kinds_of_category(query.category) if query.category else (),
            search=query.search,
            min_price=query.min_price,
            max_price=query.max_price,
        ),
        offset=query.skip,
        limit=query.limit,
    )
    return [Product.of(p, who.zone) for p in rows]


@collection(contract.post, "/products", response=Product, tags=TAGS)
async def create_product(
    request: web.Request, *, body: ProductCreate, principal: Principal
) -> Product:
    """Создать новый продукт"""
    who = await caller(request, principal)
    product = await crm.create_product(shop_id=who.shop_id, values=body.to_core())
    return Product.of(product, who.zone)


@contract.get("/products/{product_id}", response=Product, tags=TAGS, responses={404: "Not found"})
async def get_product(request: web.Request, *, product_id: int, principal: Principal) -> Product:
    """Получить продукт по ID"""
    who = await caller(request, principal)
    product = await catalog.get_product(shop_id=who.shop_id, product_id=product_id)
    return Product.of(product, who.zone)


@contract.put(
    "/products/{product_id}",
    response=Product,
    tags=TAGS,
    responses={404: "Not found"},
    rules=("price stays above the product's discounted price, when the shop set one.",),
)
async def update_product(
    request: web.Request, *, product_id: int, body: ProductUpdate, principal: Principal
) -> Product:
    """Обновить продукт (частичное обновление: only the fields sent change)"""
    who = await caller(request, principal)
    try:
        product = await crm.update_product(
            shop_id=who.shop_id, product_id=product_id, changes=body.to_core(body.model_fields_set)
        )
    except ValidationFailed as refused:
        # The crm has no discounted price (the shop contract does): a price at or below
        # the shop's discount is refused on the field the crm sent, in its words.
        if not any(problem.loc == ("discount_price",) for problem in refused.problems):
            raise
        stored = await catalog.get_product(shop_id=who.shop_id, product_id=product_id)
        raise ValidationFailed.field(
            "price",
            msg=f"price must stay above the product's discounted price ({stored.discount_price})",
        ) from None
    return Product.of(product, who.zone)


@contract.delete(
    "/products/{product_id}", response=Deleted, tags=TAGS, responses={404: "Not found"}
)
async def delete_product(request: web.Request, *, product_id: int, principal: Principal) -> Deleted:
    """Удалить продукт (orders keep their item snapshots)"""
    await catalog.delete_product(shop_id=principal.shop_id, product_id=product_id)
    return Deleted(message="Product deleted", id=product_id)


@contract.get(
    "/products/{product_id}/composition",
    response=list[ProductComposition],
    tags=TAGS,
    responses={404: "Not found"},
)
async def get_composition(
    request: web.Request, *, product_id: int, principal: Principal
) -> list[ProductComposition]:
    """Получить состав продукта"""
    components = await crm.product_composition(shop_id=principal.shop_id, product_id=product_id)
    return [ProductComposition.of(c) for c in components]


@contract.post(
    "/products/{product_id}/composition",
    response=ProductComposition,
    tags=TAGS,
    responses={404: "Not found"},
)
async def add_component(
    request: web.Request, *, product_id: int, body: CompositionCreate, principal: Principal
) -> ProductComposition:
    """Добавить компонент (inventory item × quantity for one product)"""
    if body.product_id is not None and body.product_id != product_id:
        raise BadRequest("product_id must match the product in the path")
    component = await crm.add_component(
        shop_id=principal.shop_id,
        product_id=product_id,
        stock_item_id=body.inventory_id,
        quantity=body.quantity,
    )
    return ProductComposition.of(component)


@contract.delete(
    "/products/{product_id}/composition/{composition_id}",
    response=Deleted,
    tags=TAGS,
    responses={404: "Not found"},
)
async def remove_component(
    request: web.Request, *, product_id: int, composition_id: int, principal: Principal
) -> Deleted:
    """Удалить компонент"""
    await crm.remove_component(
        shop_id=principal.shop_id, product_id=product_id, component_id=composition_id
    )
    return Deleted(message="Component deleted", id=composition_id)
