"""Work to be done: tasks (production tasks of florists are tasks linked to an order)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel


class TaskStatus(StrEnum):
    PENDING = "pending"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TaskCategory(StrEnum):
    PRODUCTION = "production"
    GENERAL = "general"
    INVENTORY = "inventory"
    DELIVERY = "delivery"
    CLEANING = "cleaning"
    SALES = "sales"
    CUSTOMER_SERVICE = "customer_service"
    MAINTENANCE = "maintenance"
    OTHER = "other"


class Task(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name="tasks", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=300)
    description = fields.TextField(null=True)
    category = fields.CharEnumField(TaskCategory, max_length=16, default=TaskCategory.GENERAL)
    task_type = fields.CharField(max_length=32, null=True)
    priority = fields.CharEnumField(TaskPriority, max_length=16, default=TaskPriority.NORMAL)
    status = fields.CharEnumField(TaskStatus, max_length=16, default=TaskStatus.PENDING)
    assignee = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    order = fields.ForeignKeyField(
        "models.Order", related_name="tasks", null=True, on_delete=fields.CASCADE
    )
    due_at = fields.DatetimeField(null=True)
    items: list = fields.JSONField(default=list)  # type: ignore[assignment]
    is_template = fields.BooleanField(default=False)
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "tasks"
        indexes = (("shop_id", "status"), ("assignee_id",), ("created_by_id",), ("order_id",))


class TaskComment(TimestampedModel):
    task = fields.ForeignKeyField("models.Task", related_name="comments", on_delete=fields.CASCADE)
    author = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    text = fields.TextField()

    class Meta:
        table = "task_comments"
        indexes = (("task_id",), ("author_id",))
