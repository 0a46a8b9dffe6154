"""Staff tasks with review: the erp contract's task board and the staff bot's "my tasks".

    pending ─start─► in_progress ─submit─► review ─approve─► completed
                        ▲   └──complete (assignee, no review)──►┘
                        └───────reject (with a comment)─── review
    any open status ─cancel─► cancelled

Who may: the assignee starts, submits and completes their task (a manager may do it
for them); approving, rejecting, cancelling, and creating tasks for others, are for
managers (owner, admin, manager). Someone's task is assigned to a member of the shop.
A task with an assignee announces itself (`task.assigned`), and so does a rejection
(`task.rejected`): the staff bot tells the assignee (bot.routers.staff_tasks).

Templates are tasks marked `is_template`: never listed as work, copied by
`create_from_template` (title, description, category, priority) with an assignee and a
due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core import events
from core.errors import BadRequest, NotFound, ValidationFailed
from core.models import Membership, Role, Task, TaskCategory, TaskComment, TaskPriority, TaskStatus
from core.permissions import MANAGERS, RoleForbidden
from core.shoptime import day_bounds, shop_today
from core.tenancy import get_owned, scoped

TASK_ASSIGNED = "task.assigned"
TASK_REJECTED = "task.rejected"
TASK_SUBMITTED = "task.submitted"

T = TaskStatus
OPEN = (T.PENDING, T.ASSIGNED, T.IN_PROGRESS, T.REVIEW)
# Action -> (statuses it starts from, where it leads).
ACTIONS: dict[str, tuple[tuple[TaskStatus, ...], TaskStatus]] = {
    "start": ((T.PENDING, T.ASSIGNED), T.IN_PROGRESS),
    "submit": ((T.IN_PROGRESS,), T.REVIEW),
    "approve": ((T.REVIEW,), T.COMPLETED),
    "reject": ((T.REVIEW,), T.IN_PROGRESS),
    "complete": ((T.IN_PROGRESS, T.REVIEW), T.COMPLETED),
    "cancel": (OPEN, T.CANCELLED),
}
MANAGER_ACTIONS = frozenset({"approve", "reject", "cancel"})


def next_actions(task: Task) -> list[str]:
    """What the assignee can press next (the bot's buttons)."""
    status = TaskStatus(task.status)
    if status in (T.PENDING, T.ASSIGNED):
        return ["start"]
    if status is T.IN_PROGRESS:
        return ["submit", "complete"]
    return []


async def _check_member(shop_id: int, user_id: int, field: str) -> None:
    if not await Membership.filter(shop_id=shop_id, user_id=user_id).exists():
        raise ValidationFailed.field(field, msg=f"User {user_id} is not a member of this store")


async def _announce(name: str, task: Task, **extra: Any) -> None:
    await events.emit(
        events.DomainEvent(
            name=name,
            shop_id=task.shop_id,  # type: ignore[attr-defined]
            key=f"task:{task.id}",
            payload={"task_id": task.id, "assignee_id": task.assignee_id, **extra},  # type: ignore[attr-defined]
        )
    )


async def create_task(
    *,
    shop_id: int,
    title: str,
    created_by: int | None,
    roles: set[Role],
    description: str | None = None,
    category: TaskCategory = TaskCategory.OTHER,
    priority: TaskPriority = TaskPriority.NORMAL,
    assignee_id: int | None = None,
    due_at: datetime | None = None,
    is_template: bool = False,
) -> Task:
    """Create a task (or a template); a task for someone else needs a manager (403)."""
    if not title.strip():
        raise ValidationFailed.field("title", msg="must not be empty")
    if assignee_id is not None and assignee_id != created_by and not roles & MANAGERS:
        raise RoleForbidden("Only a manager may give tasks to others", MANAGERS)
    if is_template and not roles & MANAGERS:
        raise RoleForbidden("Only a manager may make templates", MANAGERS)
    async with in_transaction():
        if assignee_id is not None:
            await _check_member(shop_id, assignee_id, "assigned_to")
        task = await Task.create(
            shop_id=shop_id,
            title=title.strip()[:300],
            description=description,
            category=category,
            priority=priority,
            status=TaskStatus.PENDING,
            assignee_id=assignee_id,
            created_by_id=created_by,
            due_at=due_at,
            is_template=is_template,
        )
        if assignee_id is not None and not is_template:
            await _announce(TASK_ASSIGNED, task)
    return task


async def update_task(
    *, shop_id: int, task_id: int, changes: dict[str, Any], user_id: int | None, roles: set[Role]
) -> Task:
    """Edit title, description, category, priority, due date or assignee (managers, or
    the creator of a task for themselves); a new assignee is told."""
    async with in_transaction():
        task = await get_board_task(shop_id=shop_id, task_id=task_id, for_update=True)
        if not roles & MANAGERS and task.created_by_id != user_id:  # type: ignore[attr-defined]
            raise RoleForbidden("Only a manager may edit this task", MANAGERS)
        reassigned = False
        if "assignee_id" in changes and changes["assignee_id"] != task.assignee_id:  # type: ignore[attr-defined]
            if changes["assignee_id"] is not None:
                await _check_member(shop_id, int(changes["assignee_id"]), "assigned_to")
                if changes["assignee_id"] != user_id and not roles & MANAGERS:
                    raise RoleForbidden("Only a manager may give tasks to others", MANAGERS)
            reassigned = changes["assignee_id"] is not None
        if "title" in changes and not str(changes["title"] or "").strip():
            raise ValidationFailed.field("title", msg="must not be empty")
        for name, value in changes.items():
            setattr(task, name, value)
        if changes:
            await task.save(update_fields=[*changes, "updated_at"])
        if reassigned and not task.is_template and TaskStatus(task.status) in OPEN:
            await _announce(TASK_ASSIGNED, task)
    return task


async def get_board_task(*, shop_id: int, task_id: int, for_update: bool = False) -> Task:
    """One of the shop's tasks (templates included); another shop's is NotFound."""
    return await get_owned(Task, shop_id=shop_id, id=task_id, for_update=for_update)


async def delete_task(*, shop_id: int, task_id: int, roles: set[Role]) -> None:
    if not roles & MANAGERS:
        raise RoleForbidden("Only a manager may delete tasks", MANAGERS)
    task = await get_board_task(shop_id=shop_id, task_id=task_id)
    await task.delete()


async def act(
    *,
    shop_id: int,
    task_id: int,
    action: str,
    user_id: int | None,
    roles: set[Role],
    now: datetime,
    comment: str | None = None,
) -> Task:
    """Move a task by one of ACTIONS.

    Outcomes: the task; 400 for an action its status does not allow (naming the
    status), or a rejection without a comment; 403 when the caller is neither the
    assignee nor a manager, or a non-manager approves, rejects or cancels.
    """
    if action not in ACTIONS:
        raise BadRequest(f"Unknown task action '{action}'")
    starts, target = ACTIONS[action]
    is_manager = bool(roles & MANAGERS)
    async with in_transaction():
        task = await get_board_task(shop_id=shop_id, task_id=task_id, for_update=True)
        if task.is_template:
            raise BadRequest("A template is not work: create a task from it")
        if action in MANAGER_ACTIONS and not is_manager:
            raise RoleForbidden(f"Only a manager may {action} a task", MANAGERS)
        if not is_manager and task.assignee_id != user_id:  # type: ignore[attr-defined]
            raise RoleForbidden("This task is assigned to someone else", MANAGERS)
        if action == "complete" and task.status is T.REVIEW and not is_manager:
            raise RoleForbidden("The task is on review: a manager approves it", MANAGERS)
        if TaskStatus(task.status) not in starts:
            raise BadRequest(f"Cannot {action} a task that is {task.status.value}")
        if action == "reject" and not (comment or "").strip():
            raise ValidationFailed.field("comment", msg="Say what is to be redone")
        task.status = target
        fields = ["status", "updated_at"]
        if target is T.COMPLETED:
            task.completed_at = now
            fields.append("completed_at")
        await task.save(update_fields=fields)
        if comment and comment.strip():
            await TaskComment.create(task=task, author_id=user_id, text=comment.strip())
        if action == "reject":
            await _announce(TASK_REJECTED, task, comment=comment.strip() if comment else "")
        elif action == "submit":
            await _announce(TASK_SUBMITTED, task)
    return task


@dataclass(frozen=True)
class TaskFilter:
    statuses: tuple[TaskStatus, ...] = ()
    priority: TaskPriority | None = None
    assignee_id: int | None = None
    category: TaskCategory | None = None
    templates: bool = False


def _work(shop_id: int, templates: bool = False) -> Any:
    return scoped(Task, shop_id).filter(is_template=templates)


async def list_tasks(
    *, shop_id: int, spec: TaskFilter, offset: int = 0, limit: int = 50
) -> tuple[list[Task], int]:
    """The shop's tasks matching `spec`, newest first, and how many match."""
    query = _work(shop_id, spec.templates)
    if spec.statuses:
        query = query.filter(status__in=list(spec.statuses))
    if spec.priority is not None:
        query = query.filter(priority=spec.priority)
    if spec.assignee_id is not None:
        query = query.filter(assignee_id=spec.assignee_id)
    if spec.category is not None:
        query = query.filter(category=spec.category)
    total = await query.count()
    return list(await query.order_by("-id").offset(offset).limit(limit)), total


async def my_tasks(*, shop_id: int, user_id: int, open_only: bool = False) -> list[Task]:
    """Tasks assigned to the user, due first (no due date last), then oldest."""
    query = _work(shop_id).filter(assignee_id=user_id)
    if open_only:
        query = query.filter(status__in=list(OPEN))
    rows = list(await query.order_by("id"))
    rows.sort(key=lambda t: (t.due_at is None, t.due_at.timestamp() if t.due_at else 0, t.id))
    return rows


async def today_tasks(*, shop: Any, now: datetime) -> list[Task]:
    """Open tasks due on the shop's today."""
    start, end = day_bounds(shop, shop_today(shop, now))
    return list(
        await _work(shop.id)
        .filter(status__in=list(OPEN), due_at__gte=start, due_at__lt=end)
        .order_by("due_at", "id")
    )


async def overdue_tasks(*, shop_id: int, now: datetime) -> list[Task]:
    return list(
        await _work(shop_id).filter(status__in=list(OPEN), due_at__lt=now).order_by("due_at", "id")
    )


@dataclass(frozen=True)
class TaskStats:
    total: int
    by_status: dict[TaskStatus, int]
    by_priority: dict[TaskPriority, int]
    overdue: int


async def task_stats(*, shop_id: int, now: datetime) -> TaskStats:
    rows = await _work(shop_id).values("status", "priority", "due_at")
    by_status = {s: 0 for s in TaskStatus}
    by_priority = {p: 0 for p in TaskPriority}
    overdue = 0
    for row in rows:
        by_status[TaskStatus(row["status"])] += 1
        by_priority[TaskPriority(row["priority"])] += 1
        if TaskStatus(row["status"]) in OPEN and row["due_at"] is not None and row["due_at"] < now:
            overdue += 1
    return TaskStats(total=len(rows), by_status=by_status, by_priority=by_priority, overdue=overdue)


async def add_comment(
    *, shop_id: int, task_id: int, author_id: int | None, text: str
) -> TaskComment:
    if not text.strip():
        raise ValidationFailed.field("comment", msg="must not be empty")
    task = await get_board_task(shop_id=shop_id, task_id=task_id)
    return await TaskComment.create(task=task, author_id=author_id, text=text.strip())


async def comments(*, shop_id: int, task_id: int | None) -> list[TaskComment]:
    """Comments of one task (or of every task of the shop), oldest first."""
    if task_id is not None:
        task = await get_board_task(shop_id=shop_id, task_id=task_id)
        return list(await TaskComment.filter(task_id=task.id).order_by("id"))
    return list(await TaskComment.filter(task__shop_id=shop_id).order_by("id"))


async def create_from_template(
    *,
    shop_id: int,
    template_id: int,
    created_by: int | None,
    roles: set[Role],
    assignee_id: int | None,
    due_at: datetime | None,
) -> Task:
    template = await get_board_task(shop_id=shop_id, task_id=template_id)
    if not template.is_template:
        raise NotFound("Template")
    return await create_task(
        shop_id=shop_id,
        title=template.title,
        description=template.description,
        category=TaskCategory(template.category),
        priority=TaskPriority(template.priority),
        assignee_id=assignee_id,
        due_at=due_at,
        created_by=created_by,
        roles=roles,
    )


@dataclass(frozen=True)
class TaskNotice:
    """A task as its assignee's chat shows it."""

    task: Task
    chat_id: int | None
    language: str


async def task_notice(*, task_id: int) -> TaskNotice | None:
    """The task with its assignee's Telegram chat and language (None when gone)."""
    task = await Task.get_or_none(id=task_id).prefetch_related("assignee")
    if task is None or task.assignee is None:
        return None
    user = task.assignee
    return TaskNotice(task=task, chat_id=user.telegram_chat_id, language=user.language or "ru")


async def shop_of_task(*, task_id: int) -> int | None:
    task = await Task.get_or_none(id=task_id)
    return int(task.shop_id) if task is not None else None  # type: ignore[attr-defined]
