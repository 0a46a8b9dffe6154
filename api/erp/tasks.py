"""erp tasks: /api/tasks/tasks/, /api/tasks/comments/, /api/tasks/templates/ (rules in
core.task_board; vocabulary in STATUS_WORDS and PRIORITY_WORDS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, Field

from api.erp import contract
from api.erp.common import PageQuery, page, roles_of, shop_of
from api.keys import RUNTIME
from core import task_board
from core.auth.tokens import Principal
from core.errors import NotFound
from core.models import Task, TaskCategory, TaskComment, TaskPriority, TaskStatus

STATUS_WORDS: dict[TaskStatus, str] = {
    TaskStatus.PENDING: "pending",
    TaskStatus.ASSIGNED: "pending",
    TaskStatus.IN_PROGRESS: "in_progress",
    TaskStatus.REVIEW: "on_review",
    TaskStatus.COMPLETED: "completed",
    TaskStatus.CANCELLED: "cancelled",
}
WORD_STATUS = {
    "pending": TaskStatus.PENDING,
    "in_progress": TaskStatus.IN_PROGRESS,
    "on_review": TaskStatus.REVIEW,
    "completed": TaskStatus.COMPLETED,
    "cancelled": TaskStatus.CANCELLED,
}
PRIORITY_WORDS: dict[TaskPriority, str] = {
    TaskPriority.LOW: "low",
    TaskPriority.NORMAL: "medium",
    TaskPriority.HIGH: "high",
    TaskPriority.URGENT: "urgent",
}
WORD_PRIORITY = {word: priority for priority, word in PRIORITY_WORDS.items()}
StatusWord = Literal["pending", "in_progress", "on_review", "completed", "cancelled"]
PriorityWord = Literal["low", "medium", "high", "urgent"]
CategoryWord = Literal[
    "inventory", "sales", "customer_service", "maintenance", "cleaning", "other",
    "production", "general", "delivery",
]  # fmt: skip


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    priority: PriorityWord = "medium"
    category: CategoryWord = "other"
    assigned_to: int | None = None
    due_date: AwareDatetime | None = None


class TaskPatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    priority: PriorityWord | None = None
    category: CategoryWord | None = None
    assigned_to: int | None = None
    due_date: AwareDatetime | None = None


class TaskQuery(PageQuery):
    status: StatusWord | None = None
    priority: PriorityWord | None = None
    assigned_to: int | None = None
    category: CategoryWord | None = None


class CommentBody(BaseModel):
    comment: str = Field(default="", max_length=2000)


class CommentIn(BaseModel):
    task: int
    comment: str = Field(min_length=1, max_length=5000)


class CommentQuery(BaseModel):
    task: int | None = None


class FromTemplateIn(BaseModel):
    assigned_to: int | None = None
    due_date: AwareDatetime | None = None


def task_out(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": STATUS_WORDS[TaskStatus(task.status)],
        "priority": PRIORITY_WORDS[TaskPriority(task.priority)],
        "category": TaskCategory(task.category).value,
        "assigned_to": task.assignee_id,  # type: ignore[attr-defined]
        "created_by": task.created_by_id,  # type: ignore[attr-defined]
        "due_date": task.due_at.isoformat() if task.due_at else None,
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
        "is_template": task.is_template,
        "created_at": task.created_at.isoformat(),
        "updated_at": task.updated_at.isoformat(),
    }


def comment_out(comment: TaskComment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "task": comment.task_id,  # type: ignore[attr-defined]
        "author": comment.author_id,  # type: ignore[attr-defined]
        "comment": comment.text,
        "created_at": comment.created_at.isoformat(),
    }


def _now(request: web.Request) -> datetime:
    return request.config_dict[RUNTIME].clock.now()  # type: ignore[no-any-return]


def _changes(body: TaskPatch) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True)
    out: dict[str, Any] = {}
    for name, value in sent.items():
        if name == "priority":
            if value is not None:
                out["priority"] = WORD_PRIORITY[value]
        elif name == "category":
            if value is not None:
                out["category"] = TaskCategory(value)
        elif name == "assigned_to":
            out["assignee_id"] = value
        elif name == "due_date":
            out["due_at"] = value
        elif value is not None or name == "description":
            out[name] = value
    return out


async def _create(principal: Principal, body: TaskIn, *, template: bool) -> Task:
    return await task_board.create_task(
        shop_id=principal.shop_id,
        title=body.title,
        description=body.description,
        priority=WORD_PRIORITY[body.priority],
        category=TaskCategory(body.category),
        assignee_id=body.assigned_to,
        due_at=body.due_date,
        created_by=principal.user_id,
        roles=await roles_of(principal),
        is_template=template,
    )


@contract.get("/tasks/tasks/", tags=("tasks",))
async def list_tasks(
    request: web.Request, *, query: TaskQuery, principal: Principal
) -> dict[str, Any]:
    """Tasks by status, priority, assignee and category, newest first."""
    rows, total = await task_board.list_tasks(
        shop_id=principal.shop_id,
        spec=task_board.TaskFilter(
            statuses=tuple(s for s, word in STATUS_WORDS.items() if word == query.status),
            priority=WORD_PRIORITY[query.priority] if query.priority else None,
            assignee_id=query.assigned_to,
            category=TaskCategory(query.category) if query.category else None,
        ),
        offset=query.offset,
        limit=query.page_size,
    )
    return page([task_out(t) for t in rows], total, query, request.path)


@contract.post("/tasks/tasks/", status=201, tags=("tasks",), idempotent=True)
async def create_task(
    request: web.Request, *, body: TaskIn, principal: Principal
) -> dict[str, Any]:
    """Create a task (the assignee is told in the staff bot)."""
    return task_out(await _create(principal, body, template=False))


@contract.get("/tasks/tasks/my-tasks/", tags=("tasks",))
async def my_tasks(request: web.Request, *, principal: Principal) -> list[dict[str, Any]]:
    """Tasks assigned to the caller."""
    if principal.user_id is None:
        return []
    rows = await task_board.my_tasks(shop_id=principal.shop_id, user_id=principal.user_id)
    return [task_out(t) for t in rows]


@contract.get("/tasks/tasks/today/", tags=("tasks",))
async def today(request: web.Request, *, principal: Principal) -> list[dict[str, Any]]:
    """Open tasks due today (the store's day)."""
    shop = await shop_of(principal)
    return [task_out(t) for t in await task_board.today_tasks(shop=shop, now=_now(request))]


@contract.get("/tasks/tasks/overdue/", tags=("tasks",))
async def overdue(request: web.Request, *, principal: Principal) -> list[dict[str, Any]]:
    """Open tasks past their due date."""
    rows = await task_board.overdue_tasks(shop_id=principal.shop_id, now=_now(request))
    return [task_out(t) for t in rows]


@contract.get("/tasks/tasks/stats/", tags=("tasks",))
async def stats(request: web.Request, *, principal: Principal) -> dict[str, Any]:
    """Counts by status and priority, and how many are overdue."""
    found = await task_board.task_stats(shop_id=principal.shop_id, now=_now(request))
    by_status = {word: 0 for word in WORD_STATUS}
    for status, count in found.by_status.items():
        by_status[STATUS_WORDS[status]] += count
    return {
        "total": found.total,
        "by_status": by_status,
        "by_priority": {PRIORITY_WORDS[p]: n for p, n in found.by_priority.items()},
        "overdue": found.overdue,
    }


async def _task(principal: Principal, task_id: int) -> Task:
    task = await task_board.get_board_task(shop_id=principal.shop_id, task_id=task_id)
    if task.is_template:
        raise NotFound("Task")
    return task


@contract.get("/tasks/tasks/{task_id}/", tags=("tasks",))
async def get_task(request: web.Request, *, task_id: int, principal: Principal) -> dict[str, Any]:
    """One task."""
    return task_out(await _task(principal, task_id))


@contract.patch("/tasks/tasks/{task_id}/", tags=("tasks",))
async def patch_task(
    request: web.Request, *, task_id: int, body: TaskPatch, principal: Principal
) -> dict[str, Any]:
    """Change the fields sent (a new assignee is told)."""
    await _task(principal, task_id)
    task = await task_board.update_task(
        shop_id=principal.shop_id,
        task_id=task_id,
        changes=_changes(body),
        user_id=principal.user_id,
        roles=await roles_of(principal),
    )
    return task_out(task)


@contract.delete("/tasks/tasks/{task_id}/", status=204, tags=("tasks",))
async def delete_task(request: web.Request, *, task_id: int, principal: Principal) -> None:
    """Delete a task (a manager)."""
    await _task(principal, task_id)
    await task_board.delete_task(
        shop_id=principal.shop_id, task_id=task_id, roles=await roles_of(principal)
    )


def _action(action: str, path: str, summary: str) -> None:
    async def handler(
        request: web.Request, *, task_id: int, body: CommentBody | None, principal: Principal
    ) -> dict[str, Any]:
        await _task(principal, task_id)
        task = await task_board.act(
            shop_id=principal.shop_id,
            task_id=task_id,
            action=action,
            user_id=principal.user_id,
            roles=await roles_of(principal),
            now=_now(request),
            comment=body.comment if body else None,
        )
        return task_out(task)

    handler.__name__ = f"task_{action}"
    handler.__doc__ = summary
    contract.post(f"/tasks/tasks/{{task_id}}/{path}/", tags=("tasks",))(handler)


_action("start", "start", "Start the task (in_progress).")
_action("complete", "complete", "Complete the task.")
_action("submit", "submit-for-review", "Send the task for review (on_review).")
_action("approve", "approve", "Approve the reviewed task (completed; a manager).")
_action("reject", "reject", "Send the task back with a comment (in_progress; a manager).")
_action("cancel", "cancel", "Cancel the task (a manager).")


@contract.post("/tasks/comments/", status=201, tags=("tasks",))
async def add_comment(
    request: web.Request, *, body: CommentIn, principal: Principal
) -> dict[str, Any]:
    """Comment on a task."""
    comment = await task_board.add_comment(
        shop_id=principal.shop_id, task_id=body.task, author_id=principal.user_id, text=body.comment
    )
    return comment_out(comment)


@contract.get("/tasks/comments/", tags=("tasks",))
async def list_comments(
    request: web.Request, *, query: CommentQuery, principal: Principal
) -> list[dict[str, Any]]:
    """Comments of a task (`task`), oldest first."""
    rows = await task_board.comments(shop_id=principal.shop_id, task_id=query.task)
    return [comment_out(c) for c in rows]


@contract.get("/tasks/templates/", tags=("tasks",))
async def list_templates(
    request: web.Request, *, query: PageQuery, principal: Principal
) -> dict[str, Any]:
    """The store's task templates."""
    rows, total = await task_board.list_tasks(
        shop_id=principal.shop_id,
        spec=task_board.TaskFilter(templates=True),
        offset=query.offset,
        limit=query.page_size,
    )
    return page([task_out(t) for t in rows], total, query, request.path)


@contract.post("/tasks/templates/", status=201, tags=("tasks",))
async def create_template(
    request: web.Request, *, body: TaskIn, principal: Principal
) -> dict[str, Any]:
    """Make a template (a manager)."""
    return task_out(await _create(principal, body, template=True))


@contract.post("/tasks/templates/{template_id}/create-task/", status=201, tags=("tasks",))
async def create_from_template(
    request: web.Request, *, template_id: int, body: FromTemplateIn | None, principal: Principal
) -> dict[str, Any]:
    """A task copied from the template, with an assignee and a due date."""
    body = body or FromTemplateIn()
    task = await task_board.create_from_template(
        shop_id=principal.shop_id,
        template_id=template_id,
        created_by=principal.user_id,
        roles=await roles_of(principal),
        assignee_id=body.assigned_to,
        due_at=body.due_date,
    )
    return task_out(task)
