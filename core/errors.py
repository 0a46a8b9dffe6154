"""Domain errors. Each transport maps them to its own answer in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The row does not exist, or belongs to another shop (ids never leak)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class Conflict(DomainError):
    """The request clashes with what is stored (duplicates, replays that differ)."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthorized(DomainError):
    """The caller is not known: no token, a bad token, an expired one."""


class BadRequest(DomainError):
    """The request is well-formed but asks for something the rules refuse."""


@dataclass
class FieldProblem:
    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"


class ValidationFailed(DomainError):
    """One or more fields are invalid; `problems` carry their locations."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        super().__init__("; ".join(p.msg for p in problems))
        self.problems = list(problems)

    @classmethod
    def field(cls, *loc: str | int, msg: str, type: str = "value_error") -> ValidationFailed:
        return cls([FieldProblem(loc=tuple(loc), msg=msg, type=type)])


@dataclass
class RateLimited(DomainError):
    retry_after: int
    detail: str = field(default="Rate limit exceeded")

    def __post_init__(self) -> None:
        super().__init__(self.detail)


class Locked(DomainError):
    """Too many wrong attempts: the subject is locked for a while."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (the database, the key-value store) is down: try again later.

    `dependency` names it ("database", "redis"); `retry_after` is in seconds.
    """

    def __init__(self, dependency: str, *, retry_after: int = 5, detail: str = "") -> None:
        super().__init__(detail or f"Service temporarily unavailable ({dependency})")
        self.dependency = dependency
        self.retry_after = retry_after
