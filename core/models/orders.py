"""Orders and everything that hangs off one."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel
from core.orders.status import OrderStatus


class DeliveryMethod(StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"


class Channel(StrEnum):
    API = "api"
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    CRM = "crm"
    SHOPIFY = "shopify"
    POS = "pos"


class IssueType(StrEnum):
    WRONG_ADDRESS = "wrong_address"
    RECIPIENT_UNAVAILABLE = "recipient_unavailable"
    QUALITY_ISSUE = "quality_issue"
    WRONG_ORDER = "wrong_order"
    DELIVERY_DELAY = "delivery_delay"
    OTHER = "other"


class PhotoKind(StrEnum):
    ASSEMBLED = "assembled"
    DELIVERED = "delivered"


class PaymentStatus(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    PENDING = "pending"
    REFUNDED = "refunded"


class ApprovalStatus(StrEnum):
    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    APPROVED = "approved"
    CHANGE_REQUESTED = "change_requested"
    AUTO_APPROVED = "auto_approved"


class Order(TimestampedModel):
    public_id = fields.UUIDField(null=True, unique=True, default=uuid.uuid4)
    shop = fields.ForeignKeyField("models.Shop", related_name="orders", on_delete=fields.CASCADE)
    number = fields.IntField()
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="orders", null=True, on_delete=fields.SET_NULL
    )
    recipient = fields.ForeignKeyField(
        "models.Customer", related_name="received_orders", null=True, on_delete=fields.SET_NULL
    )
    recipient_name = fields.CharField(max_length=200, default="")
    recipient_phone = fields.CharField(max_length=20, null=True)
    address = fields.CharField(max_length=500, default="")
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    delivery_method = fields.CharEnumField(
        DeliveryMethod, max_length=16, default=DeliveryMethod.DELIVERY
    )
    delivery_from = fields.DatetimeField(null=True)
    delivery_to = fields.DatetimeField(null=True)
    # A free-form window as a dialect wrote it ("14:00-16:00"), kept for round trips.
    delivery_time_range = fields.CharField(max_length=32, null=True)
    card_text = fields.TextField(null=True)
    comment = fields.TextField(null=True)
    status = fields.CharEnumField(
        OrderStatus, max_length=20, default=OrderStatus.NEW, db_index=True
    )
    # The dialect word a contract last wrote, so it reads back the same (crm's "готов").
    status_label = fields.CharField(max_length=32, null=True)
    status_before_issue = fields.CharEnumField(OrderStatus, max_length=20, null=True)
    status_changed_at = fields.DatetimeField(null=True)
    flower_sum = fields.BigIntField(default=0)
    delivery_fee = fields.BigIntField(default=0)
    discount = fields.BigIntField(default=0)
    total = fields.BigIntField(default=0)
    # The currency of the sums (None: the shop's). Sums are integers in the currency's
    # minor unit where it has one (USD cents), whole units for KZT/UZS (core.money).
    currency = fields.CharField(max_length=3, null=True)
    fulfilled_at = fields.DatetimeField(null=True)
    channel = fields.CharEnumField(Channel, max_length=16, default=Channel.API)
    external_provider = fields.CharField(max_length=32, null=True)
    external_id = fields.CharField(max_length=128, null=True)
    tracking_token = fields.CharField(max_length=64, unique=True)
    language = fields.CharField(max_length=8, default="ru")
    manager = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    courier = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Bouquet approval: the customer sees the assembled bouquet before it leaves.
    approval_status = fields.CharEnumField(
        ApprovalStatus, max_length=20, default=ApprovalStatus.NOT_REQUIRED
    )
    approval_requested_at = fields.DatetimeField(null=True)
    approval_comment = fields.TextField(null=True)
    # Where the staff chat's order card lives, so presses edit it in place.
    staff_card_chat_id = fields.BigIntField(null=True)
    staff_card_message_id = fields.BigIntField(null=True)
    florists: fields.ManyToManyRelation = fields.ManyToManyField(  # type: ignore[assignment]
        "models.User",
        related_name="florist_orders",
        through="order_florists",
    )

    class Meta:
        table = "orders"
        unique_together = (("shop", "number"), ("shop", "external_provider", "external_id"))
        indexes = (
            ("shop_id", "created_at", "id"),
            ("shop_id", "status"),
            ("shop_id", "delivery_from"),
            ("customer_id",),
            ("recipient_id",),
            ("manager_id",),
            ("courier_id",),
        )


class OrderItem(TimestampedModel):
    order = fields.ForeignKeyField("models.Order", related_name="items", on_delete=fields.CASCADE)
    product = fields.ForeignKeyField(
        "models.Product", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    product_name = fields.CharField(max_length=300)
    # The product's translated names when the order was placed ({"kk": ...}; null for
    # items made before translations or with none): past orders read as they were.
    product_names: dict | None = fields.JSONField(null=True)  # type: ignore[assignment]
    quantity = fields.IntField(default=1)
    price = fields.BigIntField()
    total = fields.BigIntField()

    class Meta:
        table = "order_items"
        indexes = (("order_id",), ("product_id",))


class OrderStatusEvent(TimestampedModel):
    order = fields.ForeignKeyField(
        "models.Order", related_name="status_events", on_delete=fields.CASCADE
    )
    from_status = fields.CharEnumField(OrderStatus, max_length=20, null=True)
    to_status = fields.CharEnumField(OrderStatus, max_length=20)
    actor = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    actor_label = fields.CharField(max_length=100, default="")
    comment = fields.TextField(null=True)

    class Meta:
        table = "order_status_events"
        ordering = ["id"]
        indexes = (("order_id", "id"), ("actor_id",))


class OrderIssue(TimestampedModel):
    order = fields.ForeignKeyField("models.Order", related_name="issues", on_delete=fields.CASCADE)
    issue_type = fields.CharEnumField(IssueType, max_length=32)
    comment = fields.TextField(null=True)
    status_before = fields.CharEnumField(OrderStatus, max_length=20)
    reported_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "order_issues"
        indexes = (("order_id",), ("reported_by_id",))


class OrderPhoto(TimestampedModel):
    order = fields.ForeignKeyField("models.Order", related_name="photos", on_delete=fields.CASCADE)
    kind = fields.CharEnumField(PhotoKind, max_length=16)
    # Stored under DATA_DIR/photos/ after the EXIF strip; `url` is what pages show.
    path = fields.CharField(max_length=500, null=True)
    url = fields.CharField(max_length=1000, null=True)
    telegram_file_id = fields.CharField(max_length=256, null=True)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    size_bytes = fields.IntField(null=True)
    uploaded_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "order_photos"
        indexes = (("order_id",), ("uploaded_by_id",))


class Payment(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    order = fields.ForeignKeyField(
        "models.Order", related_name="payments", on_delete=fields.CASCADE
    )
    provider = fields.CharField(max_length=32)
    external_id = fields.CharField(max_length=128)
    amount = fields.BigIntField()
    status = fields.CharEnumField(PaymentStatus, max_length=16)
    # What we answered the first time, so a replay answers the same.
    response: dict = fields.JSONField(default=dict)  # type: ignore[assignment]

    class Meta:
        table = "payments"
        unique_together = (("provider", "external_id"),)
        indexes = (("shop_id",), ("order_id",))
