"""Public UUIDs of rows made before they had one (users, shops, orders).

New rows get one when created; a row from before the column existed gets its own when
it is first shown (a conditional update, so two requests racing agree on one).
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)


async def ensure_public_id(row: M) -> M:
    current: Any = getattr(row, "public_id", None)
    if current is not None:
        return row
    model = type(row)
    await model.filter(id=row.pk, public_id__isnull=True).update(public_id=uuid.uuid4())
    fresh = await model.get(id=row.pk).only("id", "public_id")
    row.public_id = fresh.public_id  # type: ignore[attr-defined]
    return row


def parse_uuid(raw: Any) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None
