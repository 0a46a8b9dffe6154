"""The catalog: categories, products and what a product is made of."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class ProductKind(StrEnum):
    BOUQUET = "bouquet"
    COMPOSITION = "composition"
    POTTED = "potted"
    GIFT = "gift"
    OTHER = "other"


class Category(TimestampedModel):
    shop = fields.ForeignKeyField(
        "models.Shop", related_name="categories", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    description = fields.TextField(null=True)
    parent = fields.ForeignKeyField(
        "models.Category", related_name="children", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "categories"
        unique_together = (("shop", "name"),)
        indexes = (("parent_id",),)


class Product(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name="products", on_delete=fields.CASCADE)
    category = fields.ForeignKeyField(
        "models.Category", related_name="products", null=True, on_delete=fields.SET_NULL
    )
    kind = fields.CharEnumField(ProductKind, max_length=16, default=ProductKind.BOUQUET)
    name = fields.CharField(max_length=300)
    description = fields.TextField(null=True)
    # Money is whole currency units (DESIGN.md §3).
    price = fields.BigIntField()
    discount_price = fields.BigIntField(null=True)
    cost_price = fields.BigIntField(null=True)
    wholesale_price = fields.BigIntField(null=True)
    tax_rate = fields.IntField(default=0)
    unit = fields.CharField(max_length=16, default="pcs")
    sku = fields.CharField(max_length=64, null=True)
    barcode = fields.CharField(max_length=64, null=True)
    is_active = fields.BooleanField(default=True)
    is_popular = fields.BooleanField(default=False)
    is_new = fields.BooleanField(default=False)
    product_type = fields.CharField(max_length=16, default="catalog")
    preparation_minutes = fields.IntField(null=True)
    production_time = fields.CharField(max_length=100, null=True)
    width = fields.CharField(max_length=20, null=True)
    height = fields.CharField(max_length=20, null=True)
    catalog_width = fields.CharField(max_length=20, null=True)
    catalog_height = fields.CharField(max_length=20, null=True)
    image_url = fields.CharField(max_length=1000, null=True)
    images: list = fields.JSONField(default=list)  # type: ignore[assignment]
    colors: list | None = fields.JSONField(null=True)  # type: ignore[assignment]
    ingredients: list | None = fields.JSONField(null=True)  # type: ignore[assignment]
    sizes: list = fields.JSONField(default=list)  # type: ignore[assignment]
    # The name and description in other languages: {"kk": {"name": ..., "description": ...}}
    # (core.catalog_texts; the base fields are the shop's own language). Null on products
    # made before translations existed (a column added to a filled table cannot be NOT
    # NULL without a database default, which Tortoise does not write for a JSON field).
    translations: dict | None = fields.JSONField(default=dict, null=True)  # type: ignore[assignment]

    class Meta:
        table = "products"
        unique_together = (("shop", "sku"), ("shop", "barcode"))
        indexes = (("category_id",),)

    @property
    def current_price(self) -> int:
        if self.discount_price is not None and 0 <= self.discount_price < self.price:
            return int(self.discount_price)
        return int(self.price)

    @property
    def discount_percentage(self) -> int:
        if not self.price or self.current_price >= self.price:
            return 0
        return round((self.price - self.current_price) * 100 / self.price)


class ProductComponent(TimestampedModel):
    product = fields.ForeignKeyField(
        "models.Product", related_name="components", on_delete=fields.CASCADE
    )
    stock_item = fields.ForeignKeyField(
        "models.StockItem", related_name="used_in", on_delete=fields.CASCADE
    )
    quantity = fields.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        table = "product_components"
        indexes = (("product_id",), ("stock_item_id",))
