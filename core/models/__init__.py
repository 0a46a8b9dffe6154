"""Every Tortoise model of the `models` app, importable from one place."""

from core.models.catalog import Category, Product, ProductComponent, ProductKind
from core.models.customers import ClientType, Customer, DateType, ImportantDate, OrganisationProfile
from core.models.integrations import OutboxEvent, OutboxStatus, WebhookEndpoint
from core.models.orders import (
    Channel,
    DeliveryMethod,
    IssueType,
    Order,
    OrderIssue,
    OrderItem,
    OrderPhoto,
    OrderStatusEvent,
    Payment,
    PaymentStatus,
    PhotoKind,
)
from core.models.shops import ApiKey, Currency, Membership, Role, Shop, User
from core.models.stock import (
    MoveKind,
    StockItem,
    StockMove,
    SupplyCurrency,
    SupplyDelivery,
    SupplyPosition,
)
from core.models.work import Task, TaskCategory, TaskComment, TaskPriority, TaskStatus
from core.orders.status import OrderStatus

__all__ = [
    "ApiKey",
    "Category",
    "Channel",
    "ClientType",
    "Currency",
    "Customer",
    "DateType",
    "DeliveryMethod",
    "ImportantDate",
    "IssueType",
    "Membership",
    "MoveKind",
    "Order",
    "OrderIssue",
    "OrderItem",
    "OrderPhoto",
    "OrderStatus",
    "OrderStatusEvent",
    "OrganisationProfile",
    "OutboxEvent",
    "OutboxStatus",
    "Payment",
    "PaymentStatus",
    "PhotoKind",
    "Product",
    "ProductComponent",
    "ProductKind",
    "Role",
    "Shop",
    "StockItem",
    "StockMove",
    "SupplyCurrency",
    "SupplyDelivery",
    "SupplyPosition",
    "Task",
    "TaskCategory",
    "TaskComment",
    "TaskPriority",
    "TaskStatus",
    "User",
    "WebhookEndpoint",
]
