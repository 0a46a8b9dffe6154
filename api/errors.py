"""Errors: domain errors and bad requests become each contract's error shape.

An error becomes a `Problem` (status, detail, stable code, headers) in one place
(`problem_for`); each contract's `ErrorDialect` writes it in its own words. The default
is the seeds' `{"detail": "..."}`, and `{"detail": [{"loc", "msg", "type"}]}` with 422
for validation; a contract can change the body (commerce adds `code` and `timestamp`)
or the validation status (erp answers 400). Endpoints answer in their contract's
dialect (api.routing); anything outside an endpoint (unknown paths) in the default.
No traceback ever reaches a client.

A dependency that is down (PostgreSQL, Redis: `core.errors.Unavailable`, or a driver's
error that core.dependencies recognises) is a 503 with `Retry-After`, logged as one
warning line, never a 500; nothing about the outage is remembered, so the next request
tries again and recovery needs no restart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from api.keys import REQUEST_ID
from core.dependencies import unavailable_from
from core.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    Locked,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)

log = logging.getLogger(__name__)


class RequestValidationError(Exception):
    """The request does not match the endpoint's models."""

    def __init__(self, problems: Sequence[dict[str, Any]]) -> None:
        super().__init__("validation failed")
        self.problems = list(problems)


class UnsupportedMediaType(Exception):
    """The body is sent as something other than what the endpoint reads (415)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def pydantic_problems(error: ValidationError, prefix: Sequence[str | int]) -> list[dict[str, Any]]:
    problems = []
    for item in error.errors(include_url=False):
        ctx = item.get("ctx") or {}
        msg = item["msg"]
        if "error" in ctx and msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        problems.append({"loc": [*prefix, *item["loc"]], "msg": msg, "type": item["type"]})
    return problems


def json_error(status: int, detail: Any, **extra: Any) -> web.Response:
    return web.json_response({"detail": detail, **extra}, status=status)


def _field_problems(problems: Sequence[FieldProblem]) -> list[dict[str, Any]]:
    return [{"loc": list(p.loc), "msg": p.msg, "type": p.type} for p in problems]


# Stable machine codes per answer status (contracts that show a `code` use these).
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    423: "locked",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


@dataclass(frozen=True)
class Problem:
    """An error answer before it is written in a contract's words."""

    status: int
    detail: Any  # a sentence, or a list of {"loc", "msg", "type"} for validation
    code: str
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    is_validation: bool = False


def default_body(problem: Problem) -> dict[str, Any]:
    """The seeds' shape: {"detail": ...} (plus what the error adds, e.g. retry_after)."""
    return {"detail": problem.detail, **problem.extra}


@dataclass(frozen=True)
class ErrorDialect:
    """How one contract writes its errors: the body and the status of validation errors."""

    body: Callable[[Problem], dict[str, Any]] = default_body
    validation_status: int = 422
    # Statuses this contract answers with another one (erp: a conflict is a 400).
    status_map: dict[int, int] = field(default_factory=dict)
    # What the document says of these bodies (api.openapi): a component name and its
    # JSON Schema, for errors and for validation errors; None is the seeds' default.
    schema_name: str = "HTTPError"
    schema: dict[str, Any] | None = None
    validation_schema_name: str = "HTTPValidationError"
    validation_schema: dict[str, Any] | None = None

    def status_of(self, status: int) -> int:
        """The status this contract answers where the house would answer `status`."""
        return self.status_map.get(status, status)

    def respond(self, problem: Problem) -> web.Response:
        status = self.validation_status if problem.is_validation else problem.status
        status = self.status_map.get(status, status)
        response = web.json_response(
            self.body(replace(problem, status=status)),
            status=status,
            dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str),
        )
        response.headers.update(problem.headers)
        return response


DEFAULT_DIALECT = ErrorDialect()


def _utc_now_text() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def coded_body(problem: Problem) -> dict[str, Any]:
    """The commerce seed's shape: {"detail", "code" (upper case, stable), "timestamp"}
    (validation: `detail` is the list of {"loc", "msg", "type"})."""
    return {
        "detail": problem.detail,
        "code": problem.code.upper(),
        "timestamp": _utc_now_text(),
        **problem.extra,
    }


CODED_DIALECT = ErrorDialect(body=coded_body)


def _problem(status: int, detail: Any, **kwargs: Any) -> Problem:
    return Problem(status=status, detail=detail, code=CODES.get(status, "error"), **kwargs)


def domain_problem(error: DomainError) -> Problem:
    problem = _domain_problem(error)
    code = getattr(error, "code", None)
    # An error may name itself more precisely than its status (`whatsapp_window_closed`).
    return replace(problem, code=code) if isinstance(code, str) and code else problem


def _domain_problem(error: DomainError) -> Problem:
    if isinstance(error, ValidationFailed):
        return _problem(422, _field_problems(error.problems), is_validation=True)
    if isinstance(error, NotFound):
        return _problem(404, error.detail)
    if isinstance(error, Unauthorized):
        return _problem(401, error.detail, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, Forbidden):
        return _problem(403, error.detail)
    if isinstance(error, Conflict):
        return _problem(409, error.detail)
    if isinstance(error, Unavailable):
        return _problem(
            503,
            error.detail,
            headers={"Retry-After": str(error.retry_after)},
            extra={"retry_after": error.retry_after},
        )
    if isinstance(error, RateLimited | Locked):
        return _problem(
            429,
            error.detail,
            headers={"Retry-After": str(error.retry_after)},
            extra={"retry_after": error.retry_after},
        )
    return _problem(400, error.detail)


def domain_error_response(error: DomainError) -> web.Response:
    return DEFAULT_DIALECT.respond(domain_problem(error))


_REASONS = {404: "Not Found", 405: "Method Not Allowed", 413: "Request Entity Too Large"}


def problem_for(error: BaseException) -> Problem | None:
    """The answer to an exception raised while handling a request; None to re-raise
    (a redirect, or an HTTP error that is already JSON)."""
    if isinstance(error, RequestValidationError):
        return _problem(422, error.problems, is_validation=True)
    if isinstance(error, UnsupportedMediaType):
        return _problem(415, error.detail)
    if isinstance(error, DomainError):
        return domain_problem(error)
    if isinstance(error, web.HTTPException):
        if error.status < 400 or error.content_type == "application/json":
            return None
        headers = {
            name: error.headers[name]
            for name in ("Allow", "Retry-After", "WWW-Authenticate")
            if name in error.headers
        }
        return _problem(error.status, _REASONS.get(error.status, error.reason), headers=headers)
    outage = unavailable_from(error)
    if outage is not None:
        return domain_problem(outage)
    return None


async def handle_with(
    dialect: ErrorDialect, request: web.Request, handler: Any
) -> web.StreamResponse:
    """Run `handler`, answering any error in `dialect`'s words; no traceback leaks."""
    try:
        return await handler(request)
    except Exception as error:
        if isinstance(error, web.HTTPMethodNotAllowed):
            error = _fixed_path_methods(request, error)
        problem = problem_for(error)
        if problem is not None and problem.status == 503:
            log.warning(
                "%s %s [%s]: %s is unavailable (%r)",
                request.method,
                request.path,
                request.get(REQUEST_ID),
                getattr(unavailable_from(error), "dependency", "a dependency"),
                error,
            )
        if problem is None:
            if isinstance(error, web.HTTPException):
                raise
            log.exception(
                "unhandled error on %s %s [%s]",
                request.method,
                request.path,
                request.get(REQUEST_ID),
            )
            problem = _problem(500, "Internal Server Error")
        return dialect.respond(problem)


def literal_segments(resource: web.AbstractResource) -> int:
    return sum(1 for part in resource.canonical.split("/") if part and "{" not in part)


def most_specific_methods(request: web.Request) -> tuple[int, set[str]]:
    """The methods of the most specific routes whose path matches the request's (the
    most fixed segments: `/integrations/{id}/connect` before `/integrations/{id}/{other}`,
    `/orders/with-items` before `/orders/{order_id}`), and how specific they are."""
    routers = [request.app.router]
    best, allowed = -1, set()
    while routers:
        for resource in routers.pop().resources():
            if isinstance(resource, web.PrefixedSubAppResource):
                routers.append(resource._app.router)
                continue
            if isinstance(resource, web.PlainResource):
                matches = resource.canonical == request.path
            elif isinstance(resource, web.DynamicResource):
                matches = resource._match(request.path) is not None
            else:
                continue
            if not matches:
                continue
            methods = {route.method for route in resource if route.method != "*"}
            specific = literal_segments(resource)
            if methods and specific > best:
                best, allowed = specific, set()
            if methods and specific == best:
                # One path may be several resources (a route added apart from the others).
                allowed |= methods
    return best, allowed


def _fixed_path_methods(
    request: web.Request, error: web.HTTPMethodNotAllowed
) -> web.HTTPMethodNotAllowed:
    """A 405 allows the methods of the most specific path the request names
    (`/api/orders/with-items`), not also those of a `{param}` path it matches
    (`/api/orders/{order_id}`), which would take the fixed word for an id."""
    _, allowed = most_specific_methods(request)
    return web.HTTPMethodNotAllowed(request.method, allowed) if allowed else error


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Errors outside any endpoint (unknown paths, 405s) in the seeds' default shape."""
    return await handle_with(DEFAULT_DIALECT, request, handler)
