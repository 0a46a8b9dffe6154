"""One error middleware: domain errors and bad requests become the seeds' error shapes.

`{"detail": "..."}` for errors, `{"detail": [{"loc", "msg", "type"}]}` with 422 for
validation; no traceback ever reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from api.keys import REQUEST_ID
from core.errors import (
    BadRequest,
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    Locked,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)

log = logging.getLogger(__name__)


class RequestValidationError(Exception):
    """The request does not match the endpoint's models."""

    def __init__(self, problems: Sequence[dict[str, Any]]) -> None:
        super().__init__("validation failed")
        self.problems = list(problems)


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


def domain_error_response(error: DomainError) -> web.Response:
    if isinstance(error, ValidationFailed):
        return json_error(422, _field_problems(error.problems))
    if isinstance(error, NotFound):
        return json_error(404, error.detail)
    if isinstance(error, Unauthorized):
        response = json_error(401, error.detail)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(error, Forbidden):
        return json_error(403, error.detail)
    if isinstance(error, Conflict):
        return json_error(409, error.detail)
    if isinstance(error, RateLimited):
        response = json_error(429, error.detail, retry_after=error.retry_after)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    if isinstance(error, Locked):
        response = json_error(429, error.detail, retry_after=error.retry_after)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    if isinstance(error, BadRequest):
        return json_error(400, error.detail)
    return json_error(400, error.detail)


_REASONS = {404: "Not Found", 405: "Method Not Allowed", 413: "Request Entity Too Large"}


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except RequestValidationError as error:
        return json_error(422, error.problems)
    except DomainError as error:
        return domain_error_response(error)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        if error.content_type == "application/json":
            raise
        detail = _REASONS.get(error.status, error.reason)
        response = json_error(error.status, detail)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in error.headers:
                response.headers[header] = error.headers[header]
        return response
    except Exception:
        log.exception(
            "unhandled error on %s %s [%s]", request.method, request.path, request.get(REQUEST_ID)
        )
        return json_error(500, "Internal Server Error")
