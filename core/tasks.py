"""Work for people: the florists' production queue (tasks linked to an order).

A production task is a Task with category `production`, a task type (bouquet,
composition, wedding, event), a priority, a deadline and the items to make. It starts
`pending`, or `assigned` when a florist is named, and moves forward:

    pending ─► assigned ─► in_progress ─► completed
       └───────────────────►┘
    any open status ─► cancelled
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core.clock import Clock, SystemClock
from core.errors import BadRequest, NotFound, ValidationFailed
from core.models import Membership, Order, Role, Task, TaskCategory, TaskPriority, TaskStatus
from core.orders.status import CLOSED, OrderStatus
from core.tenancy import get_owned, scoped

PRODUCTION_TYPES = ("bouquet", "composition", "wedding", "event")
TYPE_TITLES = {
    "bouquet": "Bouquet",
    "composition": "Composition",
    "wedding": "Wedding decoration",
    "event": "Event decoration",
}

T = TaskStatus
NEXT_STATUSES: dict[TaskStatus, frozenset[TaskStatus]] = {
    T.PENDING: frozenset({T.ASSIGNED, T.IN_PROGRESS, T.CANCELLED}),
    T.ASSIGNED: frozenset({T.IN_PROGRESS, T.PENDING, T.CANCELLED}),
    T.IN_PROGRESS: frozenset({T.COMPLETED, T.CANCELLED}),
    T.REVIEW: frozenset({T.COMPLETED, T.IN_PROGRESS, T.CANCELLED}),
    T.COMPLETED: frozenset(),
    T.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class TaskLine:
    product_name: str
    quantity: int = 1
    special_requests: str | None = None


@dataclass(frozen=True)
class TaskFilter:
    statuses: Sequence[TaskStatus] = ()
    task_type: str | None = None
    priority: TaskPriority | None = None
    order_id: int | None = None
    florist_id: int | None = None


async def _check_florist(*, shop_id: int, user_id: int) -> None:
    ok = await Membership.filter(
        shop_id=shop_id, user_id=user_id, role__in=[Role.FLORIST, Role.OWNER, Role.ADMIN]
    ).exists()
    if not ok:
        raise ValidationFailed.field(
            "florist_id", msg=f"User {user_id} is not a florist of this shop"
        )


async def create_production_task(
    *,
    shop_id: int,
    order_id: int,
    task_type: str,
    priority: TaskPriority = TaskPriority.NORMAL,
    deadline: datetime | None = None,
    lines: Sequence[TaskLine] = (),
    florist_id: int | None = None,
    description: str | None = None,
    created_by: int | None = None,
) -> Task:
    """Queue work on one of the shop's orders.

    Outcomes: the task (`pending`, or `assigned` with a florist); NotFound for another
    shop's order; 400 for a completed or cancelled order; 422 for an unknown type or a
    florist who is not one.
    """
    if task_type not in PRODUCTION_TYPES:
        raise ValidationFailed.field(
            "task_type", msg=f"must be one of {', '.join(PRODUCTION_TYPES)}"
        )
    async with in_transaction():
        order = await get_owned(Order, shop_id=shop_id, id=order_id)
        if OrderStatus(order.status) in CLOSED:
            raise BadRequest(f"Order {order.id} is {order.status}: no production work for it")
        if florist_id is not None:
            await _check_florist(shop_id=shop_id, user_id=florist_id)
        return await Task.create(
            shop_id=shop_id,
            title=f"{TYPE_TITLES[task_type]} for order #{order.number}",
            description=description,
            category=TaskCategory.PRODUCTION,
            task_type=task_type,
            priority=priority,
            status=TaskStatus.ASSIGNED if florist_id is not None else TaskStatus.PENDING,
            assignee_id=florist_id,
            created_by_id=created_by,
            order=order,
            due_at=deadline,
            items=[
                {
                    "product_name": line.product_name,
                    "quantity": line.quantity,
                    "special_requests": line.special_requests,
                }
                for line in lines
            ],
        )


def _production(shop_id: int) -> Any:
    return scoped(Task, shop_id).filter(category=TaskCategory.PRODUCTION, is_template=False)


async def list_production_tasks(
    *, shop_id: int, spec: TaskFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Task], int]:
    """The shop's production tasks matching `spec`, oldest first, and how many match."""
    query = _production(shop_id)
    if spec.statuses:
        query = query.filter(status__in=list(spec.statuses))
    if spec.task_type:
        query = query.filter(task_type=spec.task_type)
    if spec.priority:
        query = query.filter(priority=spec.priority)
    if spec.order_id is not None:
        query = query.filter(order_id=spec.order_id)
    if spec.florist_id is not None:
        query = query.filter(assignee_id=spec.florist_id)
    total = await query.count()
    rows = list(await query.order_by("id").offset(offset).limit(limit))
    return rows, total


async def get_production_task(*, shop_id: int, task_id: int) -> Task:
    task = await get_owned(Task, shop_id=shop_id, id=task_id)
    if task.category is not TaskCategory.PRODUCTION:
        raise NotFound("Task")
    return task


async def update_production_task(
    *,
    shop_id: int,
    task_id: int,
    status: TaskStatus | None = None,
    priority: TaskPriority | None = None,
    deadline: datetime | None = None,
    florist_id: int | None = None,
    clock: Clock | None = None,
) -> Task:
    """Move a task along its statuses, re-prioritise it or hand it to a florist.

    Naming a florist on a pending task assigns it; a move the flow does not have is a
    400 naming the allowed next statuses.
    """
    clock = clock or SystemClock()
    async with in_transaction():
        task = await get_owned(Task, shop_id=shop_id, id=task_id, for_update=True)
        if task.category is not TaskCategory.PRODUCTION:
            raise NotFound("Task")
        fields: list[str] = []
        if florist_id is not None:
            await _check_florist(shop_id=shop_id, user_id=florist_id)
            task.assignee_id = florist_id  # type: ignore[attr-defined]
            fields.append("assignee_id")
            if status is None and task.status is TaskStatus.PENDING:
                status = TaskStatus.ASSIGNED
        if status is not None and status is not task.status:
            allowed = NEXT_STATUSES[TaskStatus(task.status)]
            if status not in allowed:
                listed = ", ".join(s.value for s in TaskStatus if s in allowed) or "none"
                raise BadRequest(
                    f"Cannot change task status from '{task.status}' to '{status}'. "
                    f"Allowed next statuses: {listed}"
                )
            task.status = status
            fields.append("status")
            if status is TaskStatus.COMPLETED:
                task.completed_at = clock.now()
                fields.append("completed_at")
        if priority is not None:
            task.priority = priority
            fields.append("priority")
        if deadline is not None:
            task.due_at = deadline
            fields.append("due_at")
        if fields:
            await task.save(update_fields=[*fields, "updated_at"])
    return task
