"""Every Tortoise model of the `models` app, importable from one place."""

from core.models.auth import RefreshToken
from core.models.catalog import Category, Product, ProductComponent, ProductKind
from core.models.consultations import Consultation, ConsultationStatus
from core.models.conversations import (
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
)
from core.models.customers import ClientType, Customer, DateType, ImportantDate, OrganisationProfile
from core.models.idempotency import IdempotencyRecord
from core.models.integrations import (
    Integration,
    IntegrationStatus,
    Notification,
    OutboxEvent,
    OutboxStatus,
    TelegramUpdate,
    WebhookEndpoint,
)
from core.models.orders import (
    ApprovalStatus,
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
    StockSnapshot,
    SupplyCurrency,
    SupplyDelivery,
    SupplyPosition,
)
from core.models.work import Task, TaskCategory, TaskComment, TaskPriority, TaskStatus
from core.orders.status import OrderStatus

__all__ = [
    "ApprovalStatus",
    "Notification",
    "StockSnapshot",
    "TelegramUpdate",
    "ApiKey",
    "Category",
    "Consultation",
    "ConsultationStatus",
    "Conversation",
    "Integration",
    "IntegrationStatus",
    "Message",
    "MessageDirection",
    "MessageStatus",
    "Channel",
    "ClientType",
    "Currency",
    "Customer",
    "DateType",
    "DeliveryMethod",
    "IdempotencyRecord",
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
    "RefreshToken",
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
