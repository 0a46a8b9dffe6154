"""Shop contract: the florists' production queue (`/api/production/tasks/`).

Statuses pending, assigned, in_progress, completed (and cancelled, which the document
does not list but a cancelled order needs); task types bouquet, composition, wedding,
event; priorities low, normal, high, urgent. A task belongs to one of the shop's
orders: another shop's order id answers 404, a completed or cancelled order 400.

Decisions the document leaves open: a task reads back with `order_id`, `task_type`,
`priority`, `status`, `deadline`, `items` (as sent), `florist_id` and `created_at`;
the list filters by `status`, `task_type`, `priority`, `order_id` and `florist_id`
and pages like every list; `GET`/`PATCH /production/tasks/{id}` read and move one
task (naming a florist assigns a pending task).
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from api.keys import RUNTIME
from api.shop import contract
from api.shop.listing import PageQuery
from api.shop.schemas_orders import YEAR_RULE, UtcDateTime
from core import tasks
from core.auth.tokens import Principal
from core.dialects.shop import format_datetime
from core.models import Task, TaskPriority, TaskStatus

ShopTaskStatus = Literal["pending", "assigned", "in_progress", "completed", "cancelled"]
ShopTaskType = Literal["bouquet", "composition", "wedding", "event"]
ShopPriority = Literal["low", "normal", "high", "urgent"]


class TaskItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_name: str = Field(min_length=1, max_length=300)
    quantity: int = Field(1, ge=1, le=10_000)
    special_requests: str | None = Field(None, max_length=2000)


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: int = Field(ge=1)
    task_type: ShopTaskType
    priority: ShopPriority = "normal"
    deadline: UtcDateTime | None = None
    items: list[TaskItem] = Field(default_factory=list, max_length=100)
    florist_id: int | None = Field(None, ge=1)
    comment: str | None = Field(None, max_length=2000)


class TaskChanges(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: ShopTaskStatus | None = None
    priority: ShopPriority | None = None
    deadline: UtcDateTime | None = None
    florist_id: int | None = Field(None, ge=1)


class TaskOut(BaseModel):
    id: int
    order_id: int | None
    task_type: str | None
    priority: ShopPriority
    status: str
    deadline: str | None
    items: list[TaskItem]
    florist_id: int | None
    comment: str | None
    created_at: str
    completed_at: str | None


class TaskPage(BaseModel):
    items: list[TaskOut]
    total: int


class TaskQuery(PageQuery):
    status: ShopTaskStatus | None = None
    task_type: ShopTaskType | None = None
    priority: ShopPriority | None = None
    order_id: int | None = Field(None, ge=1, le=2**31 - 1)
    florist_id: int | None = Field(None, ge=1, le=2**31 - 1)


def task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.id,
        order_id=task.order_id,  # type: ignore[attr-defined]
        task_type=task.task_type,
        priority=TaskPriority(task.priority).value,  # type: ignore[arg-type]
        status=TaskStatus(task.status).value,
        deadline=format_datetime(task.due_at),
        items=[TaskItem.model_validate(i) for i in task.items or []],
        florist_id=task.assignee_id,  # type: ignore[attr-defined]
        comment=task.description,
        created_at=format_datetime(task.created_at) or "",
        completed_at=format_datetime(task.completed_at),
    )


@contract.get("/production/tasks/", response=TaskPage, tags=("production",))
async def list_tasks(request: web.Request, *, query: TaskQuery, principal: Principal) -> TaskPage:
    """The florists' task queue."""
    rows, total = await tasks.list_production_tasks(
        shop_id=principal.shop_id,
        spec=tasks.TaskFilter(
            statuses=[TaskStatus(query.status)] if query.status else (),
            task_type=query.task_type,
            priority=TaskPriority(query.priority) if query.priority else None,
            order_id=query.order_id,
            florist_id=query.florist_id,
        ),
        offset=query.offset,
        limit=query.limit,
    )
    return TaskPage(items=[task_out(t) for t in rows], total=total)


@contract.post(
    "/production/tasks/", response=TaskOut, status=201, tags=("production",), rules=(YEAR_RULE,)
)
async def create_task(request: web.Request, *, body: TaskIn, principal: Principal) -> TaskOut:
    """Queue production work for an order."""
    task = await tasks.create_production_task(
        shop_id=principal.shop_id,
        order_id=body.order_id,
        task_type=body.task_type,
        priority=TaskPriority(body.priority),
        deadline=body.deadline,
        lines=[
            tasks.TaskLine(
                product_name=i.product_name,
                quantity=i.quantity,
                special_requests=i.special_requests,
            )
            for i in body.items
        ],
        florist_id=body.florist_id,
        description=body.comment,
        created_by=principal.user_id,
    )
    return task_out(task)


@contract.get("/production/tasks/{task_id}", response=TaskOut, tags=("production",))
async def get_task(request: web.Request, *, task_id: int, principal: Principal) -> TaskOut:
    """One production task."""
    return task_out(await tasks.get_production_task(shop_id=principal.shop_id, task_id=task_id))


@contract.patch(
    "/production/tasks/{task_id}", response=TaskOut, tags=("production",), rules=(YEAR_RULE,)
)
async def update_task(
    request: web.Request, *, task_id: int, body: TaskChanges, principal: Principal
) -> TaskOut:
    """Move a task along its statuses, change its priority or deadline, assign a florist."""
    task = await tasks.update_production_task(
        shop_id=principal.shop_id,
        task_id=task_id,
        status=TaskStatus(body.status) if body.status else None,
        priority=TaskPriority(body.priority) if body.priority else None,
        deadline=body.deadline,
        florist_id=body.florist_id,
        clock=request.config_dict[RUNTIME].clock,
    )
    return task_out(task)
