"""Who did something: a person, an API key, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from core.models import Role


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    label: str = "system"
    role: Role | None = None


SYSTEM = Actor()
