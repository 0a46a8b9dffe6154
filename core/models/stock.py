"""Stock: items, the move ledger that is the truth of quantities, supply deliveries."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class MoveKind(StrEnum):
    SUPPLY = "supply"
    SALE = "sale"
    ASSEMBLY = "assembly"
    RETURN = "return"
    WRITE_OFF = "write_off"
    ADJUSTMENT = "adjustment"


class SupplyCurrency(StrEnum):
    USD = "USD"
    EUR = "EUR"
    KZT = "KZT"


class StockItem(TimestampedModel):
    shop = fields.ForeignKeyField(
        "models.Shop", related_name="stock_items", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    variety = fields.CharField(max_length=200, null=True)
    supplier = fields.CharField(max_length=200, null=True)
    farm = fields.CharField(max_length=200, null=True)
    height_cm = fields.IntField(null=True)
    unit = fields.CharField(max_length=16, default="pcs")
    # Running balance of the ledger, written only by core.stock in the same transaction
    # as the move that changes it; the moves stay the truth (see reconcile_balance).
    quantity = fields.DecimalField(max_digits=14, decimal_places=3, default=0)
    min_quantity = fields.DecimalField(max_digits=14, decimal_places=3, default=0)
    price_per_unit = fields.BigIntField(null=True)
    on_showcase = fields.BooleanField(default=False)
    to_write_off = fields.BooleanField(default=False)
    product = fields.ForeignKeyField(
        "models.Product", related_name="stock_items", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "stock_items"
        indexes = (("shop_id",), ("product_id",))


class SupplyDelivery(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name="supplies", on_delete=fields.CASCADE)
    supplier = fields.CharField(max_length=200)
    farm = fields.CharField(max_length=200, null=True)
    delivery_date = fields.DatetimeField()
    currency = fields.CharEnumField(SupplyCurrency, max_length=3)
    rate = fields.DecimalField(max_digits=14, decimal_places=4)
    total_cost = fields.BigIntField(default=0)
    created_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "supply_deliveries"
        indexes = (("shop_id", "delivery_date"), ("created_by_id",))


class SupplyPosition(TimestampedModel):
    delivery = fields.ForeignKeyField(
        "models.SupplyDelivery", related_name="positions", on_delete=fields.CASCADE
    )
    stock_item = fields.ForeignKeyField(
        "models.StockItem", related_name="supply_positions", on_delete=fields.CASCADE
    )
    variety = fields.CharField(max_length=200)
    height_cm = fields.IntField(null=True)
    qty = fields.DecimalField(max_digits=14, decimal_places=3)
    cost_per_unit = fields.DecimalField(max_digits=14, decimal_places=4)
    cost_per_unit_local = fields.BigIntField()
    total_cost_local = fields.BigIntField()

    class Meta:
        table = "supply_positions"
        indexes = (("delivery_id",), ("stock_item_id",))


class StockMove(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    stock_item = fields.ForeignKeyField(
        "models.StockItem", related_name="moves", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(MoveKind, max_length=16)
    quantity = fields.DecimalField(max_digits=14, decimal_places=3)
    unit_cost = fields.BigIntField(null=True)
    order = fields.ForeignKeyField(
        "models.Order", related_name="stock_moves", null=True, on_delete=fields.SET_NULL
    )
    supply = fields.ForeignKeyField(
        "models.SupplyDelivery", related_name="moves", null=True, on_delete=fields.SET_NULL
    )
    sale = fields.ForeignKeyField(
        "models.Sale", related_name="stock_moves", null=True, on_delete=fields.SET_NULL
    )
    note = fields.CharField(max_length=300, default="")
    created_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "stock_moves"
        indexes = (
            ("shop_id", "created_at"),
            ("stock_item_id", "id"),
            ("order_id",),
            ("supply_id",),
            ("sale_id",),
            ("created_by_id",),
        )


class StockSnapshot(TimestampedModel):
    """Quantity of an item at the start of a shop's day (analytics read these)."""

    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    stock_item = fields.ForeignKeyField(
        "models.StockItem", related_name="snapshots", on_delete=fields.CASCADE
    )
    day = fields.DateField()
    quantity = fields.DecimalField(max_digits=14, decimal_places=3)
    min_quantity = fields.DecimalField(max_digits=14, decimal_places=3, default=0)

    class Meta:
        table = "stock_snapshots"
        unique_together = (("stock_item", "day"),)
        indexes = (("shop_id", "day"),)
