"""Contracts and their endpoints.

A `Contract` collects endpoints declared with `@contract.get(...)` and friends. The
handler's signature says what it needs, FastAPI-style, and the wrapper provides it:

    @orders.get("/orders/{order_id}", response=OrderOut)
    async def get_order(request, *, order_id: int, principal: Principal) -> OrderOut: ...

- `body: Model` / `query: Model` are parsed (`body: Model | None` may be left out:
  then None) and validated with pydantic (422 in the seeds' shape, located at
  `["body", ...]` / `["query", ...]`); a body's numbers, booleans and dates are
  strict, a query's dates are text `YYYY-MM-DD...` (`0` is neither: _strict_types);
- a path parameter that does not convert is a 422, unless a fixed path of that name
  exists for other methods (`PUT /orders/with-items` next to `PUT /orders/{id}`): 405;
- a `ValidationFailed` raised by core names fields only (core knows no HTTP): the
  endpoint locates each problem (`locate_problems`): a field of the query model (and
  not of the body) is `["query", ...]`, anything else `["body", ...]` when the endpoint
  has a body, else `["query", ...]`; a location the api layer already wrote stays;
- other keyword parameters are path parameters, converted to their annotated type;
- `principal: Principal` makes the endpoint authenticated (a shop-scoped Bearer JWT or
  an API key, or in a contract made with `accepts_oidc=True` a firm's OpenID Connect
  access token: core.auth.oidc) and rate-limited per shop; the token is checked against the shop's members
  on every request (core.auth.access) and the role is the one the shop gives now;
- `account: Account` makes it authenticated by any user's access token (user-level or
  shop-scoped; API keys are refused: they are no user) and rate-limited per user: for
  contracts where one login spans many shops, whose handlers ask
  `core.auth.access.member_role(user_id=account.user_id, shop_id=...)` (404 for a shop
  the user is not a member of);
- without either the endpoint is public, limited per client address;
- `raw: bytes` hands over the raw body (for signature checks); such a handler reads
  JSON with `read_json` (or core.jsontext) and declares `json_raw=True`;
- every JSON body is read by one reader (`read_json`, core.jsontext): strict UTF-8
  JSON, at most 64 levels deep, no integer of more than 4300 digits, no NaN: anything
  else is the contract's validation error at `["body"]`, never a 500; a body whose
  Content-Type is not `application/json` (or `+json`) is a 415;
- `idempotent=True` (an endpoint option, for creates that make money or messages)
  accepts an `Idempotency-Key` header and runs the handler and the rendering of its
  answer in one transaction (api.idempotency, core.idempotency). Shop-authenticated
  endpoints (`principal: Principal`) only: keys are kept per shop.

`per_minute="<settings attribute>"` (an endpoint or contract option) counts the endpoint
in a per-minute bucket of its own, with the limit that setting holds (commerce: auth
5/min, AI 60/min, the rest 100/min), instead of the hourly `RATE_LIMIT_PER_HOUR`.
`idempotent=True` on an `account: Account` endpoint needs `shop_from(request, kwargs)`,
which names the shop the keys are kept in (and checks the user may act in it).

`rules=("...",)` (an endpoint option) names the rules a request must keep beyond its
JSON Schema (one field against another, against the data); the document lists them and
marks the operation `x-rules-beyond-schema: true` (idempotent endpoints are marked too: a
reused key with another body is refused).

`rate_limit=False` exempts a public endpoint from the per-address limit (a provider's
signed webhook, which calls from a handful of addresses at its own pace); such an
endpoint charges refused calls itself (`apply_rate_limit`).

The same declarations produce the OpenAPI document (api.openapi).
"""

from __future__ import annotations

import inspect
import math
import re
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError, SchemaValidator, core_schema, to_json

from api.errors import (
    DEFAULT_DIALECT,
    ErrorDialect,
    RequestValidationError,
    UnsupportedMediaType,
    handle_with,
    literal_segments,
    most_specific_methods,
    pydantic_problems,
)
from api.idempotency import respond_once
from api.keys import ACCOUNT, PRINCIPAL, QUOTA, RUNTIME
from core import jsontext
from core.auth.access import account_for_token, principal_for_token
from core.auth.apikeys import authenticate_api_key, looks_like_api_key
from core.auth.tokens import Account, Principal
from core.errors import FieldProblem, NotFound, RateLimited, Unauthorized, ValidationFailed
from core.ratelimit import Quota, take
from core.runtime import Runtime

Handler = Callable[..., Awaitable[Any]]
RESERVED = {"body", "query", "principal", "account", "raw"}
LOCATIONS = ("body", "query", "path", "header")


# A whole-number path parameter names a database row: beyond a 64-bit id it names none,
# and is not found (404) before any query could overflow.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=-MAX_ROW_ID, le=MAX_ROW_ID)]


@dataclass
class Endpoint:
    method: str
    path: str
    handler: Handler
    response: Any = None
    status: int = 200
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    responses: dict[int, str] = field(default_factory=dict)
    body_model: Any = None
    body_optional: bool = False
    query_model: type[BaseModel] | None = None
    path_params: dict[str, type] = field(default_factory=dict)
    needs_principal: bool = False
    needs_account: bool = False
    needs_raw: bool = False
    exclude_none: bool = False
    # A root endpoint's path is absolute on its port (pages like /tracking/{token});
    # the others are relative to the contract's mount ("/api").
    root: bool = False
    include_in_schema: bool = True
    errors: ErrorDialect = DEFAULT_DIALECT
    rate_limit: bool = True
    idempotent: bool = False
    per_minute: str | None = None
    shop_from: Callable[[web.Request, dict[str, Any]], Awaitable[int]] | None = None
    # A `raw: bytes` endpoint that reads its body as JSON itself (a signed webhook):
    # the body must still say it is JSON (415 otherwise).
    json_raw: bool = False
    # The contract takes a firm's OpenID Connect access tokens too (core.auth.oidc).
    accepts_oidc: bool = False
    # What a success is written as, when it is no JSON (a PNG chart, a CSV export).
    media_type: str = "application/json"
    # Rules a request must also keep that its JSON Schema cannot state (one field
    # against another, against the data: `min_price <= max_price`, a phone that is a
    # number): the document lists them and marks the operation `x-rules-beyond-schema`,
    # so a schema-valid request refused by one is the documented validation error.
    rules: tuple[str, ...] = ()

    def inspect_handler(self) -> None:
        hints = typing.get_type_hints(self.handler)
        signature = inspect.signature(self.handler)
        for name in list(signature.parameters)[1:]:
            annotation = hints.get(name, str)
            if name == "body":
                members = typing.get_args(annotation)
                if type(None) in members:
                    # `body: Model | None`: a request without a body passes None.
                    self.body_optional = True
                    [annotation] = [m for m in members if m is not type(None)]
                self.body_model = annotation
            elif name == "query":
                self.query_model = annotation
            elif name == "principal":
                self.needs_principal = True
            elif name == "account":
                self.needs_account = True
            elif name == "raw":
                self.needs_raw = True
            else:
                self.path_params[name] = RowId if annotation is int else annotation


class Contract:
    """One API document (a seed): its endpoints, its title and version."""

    def __init__(
        self,
        name: str,
        *,
        title: str,
        version: str,
        description: str = "",
        mount: str = "/api",
        exclude_none: bool = False,
        errors: ErrorDialect = DEFAULT_DIALECT,
        per_minute: str | None = None,
        accepts_oidc: bool = False,
    ) -> None:
        if not mount.startswith("/") or mount == "/":
            raise ValueError("a contract's mount is a path like '/api'")
        self.name = name
        self.title = title
        self.version = version
        self.description = description
        self.mount = mount
        self.exclude_none = exclude_none
        self.errors = errors
        self.per_minute = per_minute
        self.accepts_oidc = accepts_oidc
        self.endpoints: list[Endpoint] = []

    def route(self, method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            endpoint = Endpoint(
                method=method.upper(),
                path=path,
                handler=handler,
                exclude_none=options.pop("exclude_none", self.exclude_none),
                errors=self.errors,
                per_minute=options.pop("per_minute", self.per_minute),
                accepts_oidc=self.accepts_oidc,
                **options,
            )
            if not endpoint.summary and handler.__doc__:
                endpoint.summary = handler.__doc__.strip().splitlines()[0]
            endpoint.inspect_handler()
            if endpoint.idempotent and not (
                endpoint.needs_principal or (endpoint.needs_account and endpoint.shop_from)
            ):
                raise ValueError(
                    f"{path}: idempotent endpoints must be authenticated (an account "
                    "endpoint also needs shop_from)"
                )
            self.endpoints.append(endpoint)
            return handler

        return register

    def get(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **options)

    def full_path(self, endpoint: Endpoint, prefix: str = "") -> str:
        return prefix + (endpoint.path if endpoint.root else self.mount + endpoint.path)

    def add_mounted_routes(self, app: web.Application) -> None:
        """Register the endpoints that live under the mount on the contract's sub-app."""
        for endpoint in self.endpoints:
            if not endpoint.root:
                app.router.add_route(endpoint.method, endpoint.path, _wrap(endpoint))

    def add_root_routes(self, app: web.Application, prefix: str = "") -> None:
        for endpoint in self.endpoints:
            if endpoint.root:
                app.router.add_route(endpoint.method, prefix + endpoint.path, _wrap(endpoint))


# --- the wrapper ---------------------------------------------------------------------


def _presented_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    token = ""
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
    elif request.headers.get("X-API-Key"):
        token = request.headers["X-API-Key"].strip()
    if not token:
        raise Unauthorized("Not authenticated")
    return token


async def authenticate(request: web.Request, runtime: Runtime, *, oidc: bool = False) -> Principal:
    """Bearer JWT or API key (`Authorization: Bearer sk_...` or `X-API-Key`); with
    `oidc`, also an access token of the firm's OpenID Connect issuer when one is set."""
    token = _presented_token(request)
    now = runtime.clock.now()
    if looks_like_api_key(token):
        return await authenticate_api_key(token, now=now)
    if oidc and runtime.oidc is not None and runtime.oidc.looks_like_ours(token):
        return await runtime.oidc.principal(token, now=now)
    return await principal_for_token(token, secret=runtime.settings.jwt_secret, now=now)


async def authenticate_account(request: web.Request, runtime: Runtime) -> Account:
    """A user's Bearer JWT, user-level or shop-scoped (API keys are no user: 401)."""
    token = _presented_token(request)
    if looks_like_api_key(token):
        raise Unauthorized("This endpoint needs a user's access token")
    return await account_for_token(
        token, secret=runtime.settings.jwt_secret, now=runtime.clock.now()
    )


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


async def apply_rate_limit(
    request: web.Request, runtime: Runtime, bucket: str, *, per_minute: str | None = None
) -> Quota:
    """Count the call in `bucket`: hourly with RATE_LIMIT_PER_HOUR, or per minute with
    the limit held by the settings attribute `per_minute` (its own bucket)."""
    if per_minute is not None:
        limit, window, bucket = (
            int(getattr(runtime.settings, per_minute)),
            60,
            f"{bucket}:{per_minute}",
        )
    else:
        limit, window = runtime.settings.rate_limit_per_hour, 3600
    quota = await take(
        runtime.kv,
        runtime.clock,
        bucket=bucket,
        limit=limit,
        window_seconds=window,
    )
    request[QUOTA] = quota
    if quota.exceeded:
        raise RateLimited(retry_after=quota.retry_after(int(runtime.clock.now().timestamp())))
    return quota


_PATH_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _convert_path(name: str, raw: str, annotation: type) -> Any:
    if annotation is str:
        return raw
    if annotation is RowId and raw.lstrip("-").isdigit() and abs(int(raw)) > MAX_ROW_ID:
        # No row has such an id: not found, before any query could overflow.
        raise NotFound(name.removesuffix("_id").replace("_", " ").capitalize())
    adapter = _PATH_ADAPTERS.get(annotation)
    if adapter is None:  # made once per type: building one costs more than a request
        adapter = _PATH_ADAPTERS[annotation] = TypeAdapter(annotation)
    try:
        return adapter.validate_python(raw, strict=False)
    except ValidationError as error:
        raise RequestValidationError(pydantic_problems(error, ["path", name])[:1]) from None


def _refuse_method_of_a_fixed_path(request: web.Request) -> None:
    """`PUT /api/orders/with-items` matches `PUT /orders/{order_id}` only because
    `with-items` could be an id: a more specific path of that name exists for other
    methods, so the answer is theirs, 405 (with Allow), not a 422 about an id."""
    specific, allowed = most_specific_methods(request)
    resource = request.match_info.route.resource
    mine = literal_segments(resource) if resource is not None else -1
    if allowed and specific > mine:
        raise web.HTTPMethodNotAllowed(request.method, allowed)


def _query_dict(request: web.Request, model: type[BaseModel]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        data[key] = values if len(values) > 1 else values[0]
    for name, info in model.model_fields.items():
        alias = info.alias or name
        origin = typing.get_origin(info.annotation)
        if origin is list and alias in request.query:
            data[alias] = request.query.getall(alias)
    for key, value in data.items():
        _refuse_nul(value, ["query", key])
    return data


JSON_MEDIA_TYPE = "application/json"


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or a `+json` type (`application/merge-patch+json`)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON_MEDIA_TYPE or (
        media.startswith("application/") and media.endswith("+json")
    )


def require_json_content(request: web.Request, raw: bytes) -> None:
    """A body is read as JSON only when it says it is JSON: anything else is a 415. An
    empty body needs no type (it is a 422 `missing` where a body is required)."""
    if raw.strip() and not is_json_media_type(request.headers.get("Content-Type", "")):
        raise UnsupportedMediaType(f"Content-Type must be {JSON_MEDIA_TYPE}")


def read_json(raw: bytes, *, nul_free: bool = True) -> Any:
    """The body as JSON within core.jsontext's bounds; a 4xx (the contract's validation
    status) at `["body"]` for anything else, never a 500. `nul_free=False` leaves the
    NUL check to the caller (validate_json_body checks only what the model keeps)."""
    if not raw.strip():
        raise RequestValidationError(
            [{"loc": ["body"], "msg": "Field required", "type": "missing"}]
        )
    try:
        data = jsontext.loads(raw)
    except jsontext.JsonRejected as error:
        loc: list[str | int] = ["body"] if error.position is None else ["body", error.position]
        raise RequestValidationError(
            [{"loc": loc, "msg": error.reason, "type": "json_invalid"}]
        ) from None
    if nul_free:
        _refuse_nul(data, ["body"])
    return data


def _refuse_non_integer(value: Any) -> Any:
    # JSON's true/false and "15" are no integers (the document says integer); a whole
    # number written 15.0 still is one (JSON Schema's integer).
    if isinstance(value, bool | str) or (isinstance(value, float) and not value.is_integer()):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


def _refuse_non_number(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise PydanticCustomError("float_type", "Input should be a valid number")
    return value


def at_places(value: Any, places: int) -> Any:
    """A JSON number meant as a decimal of `places` places: a float whose only extra
    digits are binary noise (1234.5670000000002, 0.1 + 0.2) is the decimal it is closest
    to, as the document's `multipleOf` means; a real extra digit (0.0001) stays, and the
    decimal's own validation refuses it."""
    if isinstance(value, float) and math.isfinite(value):
        rounded = round(value, places)
        if rounded != value and abs(value - rounded) <= 4 * math.ulp(value):
            return Decimal(repr(rounded))
    return value


def _at_places(places: int) -> Callable[[Any], Any]:
    return lambda value: at_places(value, places)


def _refuse_non_boolean(value: Any) -> Any:
    # `0`, `1` and `"true"` are no JSON booleans (the document says boolean).
    if not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Input should be a valid boolean")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _refuse_non_text_date(value: Any) -> Any:
    # A date or date-time is written as text, `YYYY-MM-DD...` (the document's `date` and
    # `date-time`); lax pydantic would read `0` or `"0"` as 1970-01-01 (a Unix time).
    # A value the model's own validator already read (crm's local times) is its own.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError(
            "date_type", "Input should be a date written YYYY-MM-DD (a date-time: RFC 3339)"
        )
    return value


_STRICT_DATES = {"date": _refuse_non_text_date, "datetime": _refuse_non_text_date}
# A JSON body's types as the document declares them; a query's values are all text, so
# only its dates are held to their written form.
_STRICT_BODY = {
    "int": _refuse_non_integer,
    "float": _refuse_non_number,
    "bool": _refuse_non_boolean,
    **_STRICT_DATES,
}
_STRICT_MODELS: dict[type[BaseModel], type[BaseModel]] = {}


def _strict_model(cls: type[BaseModel]) -> type[BaseModel]:
    """A subclass validated by the schema given with it: pydantic-core reuses a complete
    model's own (lax) validator for a schema naming that class, so the strict copy names
    a subclass that says it is not complete. Handlers see an instance of the model."""
    strict = _STRICT_MODELS.get(cls)
    if strict is None:
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        strict = type(cls)(cls.__name__, (cls,), namespace)
        strict.__pydantic_complete__ = False
        _STRICT_MODELS[cls] = strict
    return strict


def _strict_types(schema: Any, refusals: Mapping[str, Callable[[Any], Any]]) -> Any:
    """A copy of a core schema whose values of the kinds in `refusals` pass their
    refusal first: lax pydantic would read `"15"` or `true` as 15 or 1, `0` as a
    boolean or as 1970-01-01, which the document's `integer`, `number`, `boolean` and
    `date(-time)` do not allow (negative_data_rejection). One place for every model,
    so no model needs StrictBool or its own date check."""
    if isinstance(schema, list):
        return [_strict_types(item, refusals) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copied = {key: _strict_types(value, refusals) for key, value in schema.items()}
    kind = copied.get("type")
    if kind == "model" and isinstance(copied.get("cls"), type):
        copied["cls"] = _strict_model(copied["cls"])
    if kind == "decimal" and isinstance(copied.get("decimal_places"), int):
        return core_schema.no_info_before_validator_function(
            _at_places(copied["decimal_places"]), copied
        )
    refuse = refusals.get(kind) if isinstance(kind, str) else None
    if refuse is not None:
        return core_schema.no_info_before_validator_function(refuse, copied)
    return copied


class _StrictAdapter:
    """Validates data against a model, its types strict (see _strict_types)."""

    def __init__(self, model: Any, refusals: Mapping[str, Callable[[Any], Any]]) -> None:
        self.validator = SchemaValidator(_strict_types(TypeAdapter(model).core_schema, refusals))

    def validate_python(self, data: Any) -> Any:
        return self.validator.validate_python(data)


_ADAPTERS: dict[tuple[Any, str], _StrictAdapter] = {}


def _adapter(model: Any, where: str = "body") -> _StrictAdapter:
    adapter = _ADAPTERS.get((model, where))
    if adapter is None:
        refusals = _STRICT_BODY if where == "body" else _STRICT_DATES
        adapter = _ADAPTERS[(model, where)] = _StrictAdapter(model, refusals)
    return adapter


def validate_json_body(model: Any, raw: bytes) -> Any:
    """The body as `model`, read bounded first (read_json). Where a type must not be
    coerced (`0` is no boolean nor a date-time, `"15"` no integer), the validation is
    strict (_strict_types). A NUL
    character is refused where the model keeps the text; a field the model ignores
    (the document allows any other property) may hold one."""
    data = read_json(raw, nul_free=False)
    try:
        value = _adapter(model).validate_python(data)
    except ValidationError as error:
        raise RequestValidationError(pydantic_problems(error, ["body"])) from None
    _refuse_nul(_kept(value), ["body"])
    return value


def _kept(value: Any) -> Any:
    """What a validated body keeps, as plain data under the names it was sent by."""
    if isinstance(value, BaseModel):
        kept = {
            info.alias or name: _kept(getattr(value, name))
            for name, info in type(value).model_fields.items()
        }
        kept.update({key: _kept(item) for key, item in (value.model_extra or {}).items()})
        return kept
    if isinstance(value, dict):
        return {key: _kept(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_kept(item) for item in value]
    return value


async def _parse_body(request: web.Request, model: Any, raw: bytes) -> Any:
    return validate_json_body(model, raw)


def _refuse_nul(value: Any, loc: list[str | int]) -> None:
    """A NUL character is valid JSON but no database stores it in text: a 422 here."""
    if isinstance(value, str):
        if "\x00" in value:
            raise RequestValidationError(
                [{"loc": loc, "msg": "NUL characters are not allowed", "type": "string_nul"}]
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, loc)
            _refuse_nul(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, [*loc, index])


def _field_names(model: Any) -> set[str]:
    fields = getattr(model, "model_fields", None) or {}
    names = set(fields)
    names |= {info.alias for info in fields.values() if getattr(info, "alias", None)}
    return names


def locate_problems(endpoint: Endpoint, problems: list[FieldProblem]) -> list[FieldProblem]:
    """Core's field locations, placed in this endpoint's request (body or query)."""
    query_fields = _field_names(endpoint.query_model) if endpoint.query_model else set()
    body_fields = _field_names(endpoint.body_model) if endpoint.body_model is not None else set()
    located = []
    for problem in problems:
        loc = problem.loc
        if loc and loc[0] in LOCATIONS:
            located.append(problem)
            continue
        head = loc[0] if loc else None
        if endpoint.query_model is not None and head in query_fields and head not in body_fields:
            where = "query"
        elif endpoint.body_model is not None:
            where = "body"
        elif endpoint.query_model is not None:
            where = "query"
        else:
            where = "body"
        located.append(FieldProblem(loc=(where, *loc), msg=problem.msg, type=problem.type))
    return located


def render(result: Any, *, status: int, exclude_none: bool) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if result is None and status == 204:
        return web.Response(status=204)
    # Written once, straight from the models (pydantic-core's serializer, in Rust).
    body = to_json(result, exclude_none=exclude_none, by_alias=True)
    return web.Response(body=body, status=status, content_type="application/json")


def _wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        return await handle_with(endpoint.errors, request, serve)

    async def serve(request: web.Request) -> web.StreamResponse:
        runtime = request.config_dict[RUNTIME]
        kwargs: dict[str, Any] = {}
        limit = endpoint.per_minute
        if endpoint.needs_principal:
            try:
                principal = await authenticate(request, runtime, oidc=endpoint.accepts_oidc)
            except Unauthorized:
                # Guessing tokens counts against the caller's address (and gets the headers).
                await apply_rate_limit(
                    request, runtime, f"ip:{client_address(request)}", per_minute=limit
                )
                raise
            request[PRINCIPAL] = principal
            await apply_rate_limit(request, runtime, f"shop:{principal.shop_id}", per_minute=limit)
            kwargs["principal"] = principal
        elif endpoint.needs_account:
            try:
                account = await authenticate_account(request, runtime)
            except Unauthorized:
                await apply_rate_limit(
                    request, runtime, f"ip:{client_address(request)}", per_minute=limit
                )
                raise
            request[ACCOUNT] = account
            await apply_rate_limit(request, runtime, f"user:{account.user_id}", per_minute=limit)
            kwargs["account"] = account
        elif endpoint.rate_limit:
            await apply_rate_limit(
                request, runtime, f"ip:{client_address(request)}", per_minute=limit
            )
        for name, annotation in endpoint.path_params.items():
            try:
                kwargs[name] = _convert_path(name, request.match_info[name], annotation)
            except RequestValidationError:
                _refuse_method_of_a_fixed_path(request)
                raise
        if endpoint.query_model is not None:
            try:
                kwargs["query"] = _adapter(endpoint.query_model, "query").validate_python(
                    _query_dict(request, endpoint.query_model)
                )
            except ValidationError as error:
                raise RequestValidationError(pydantic_problems(error, ["query"])) from None
        raw = (
            await request.read() if (endpoint.needs_raw or endpoint.body_model is not None) else b""
        )
        if endpoint.needs_raw:
            kwargs["raw"] = raw
        if endpoint.body_model is not None or endpoint.json_raw:
            require_json_content(request, raw)
        if endpoint.body_model is not None:
            if endpoint.body_optional and not raw.strip():
                kwargs["body"] = None
            else:
                kwargs["body"] = await _parse_body(request, endpoint.body_model, raw)
        if endpoint.idempotent:
            if "principal" in kwargs:
                shop_id = kwargs["principal"].shop_id
            else:
                assert endpoint.shop_from is not None
                shop_id = await endpoint.shop_from(request, kwargs)
            return await respond_once(
                request,
                shop_id=shop_id,
                raw=raw,
                clock=runtime.clock,
                produce=lambda: answer(request, kwargs),
            )
        return await answer(request, kwargs)

    async def answer(request: web.Request, kwargs: dict[str, Any]) -> web.StreamResponse:
        try:
            result = await endpoint.handler(request, **kwargs)
        except ValidationFailed as error:
            raise ValidationFailed(locate_problems(endpoint, error.problems)) from None
        return render(result, status=endpoint.status, exclude_none=endpoint.exclude_none)

    handle.__name__ = endpoint.handler.__name__
    return handle
