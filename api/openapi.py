"""OpenAPI 3.1, generated from the same endpoint declarations and pydantic models that
validate requests, plus Swagger UI and ReDoc served from local assets."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from api.routing import Contract, Endpoint
from core import idempotency

STATIC_DIR = Path(__file__).parent / "static"
REF = "#/components/schemas/{model}"
REF_PREFIX = "#/components/schemas/"

VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
}
ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": idempotency.MAX_KEY_LENGTH,
        "pattern": idempotency.KEY_PATTERN,
    },
    "description": (
        "Makes a retry safe: the first answer is kept 24 h for this shop and key, and the "
        "same request with the same key gets it again (with `Idempotent-Replayed: true`) "
        "instead of a second create. The same key with another method, path or body is a "
        "validation error; while the first request is still running, a second one waits "
        "for it (or gets 409). A failed request keeps nothing: retry it with the same key."
    ),
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the key",
    "schema": {"type": "string", "enum": ["true"]},
}


REFUSES_NULL = "__refuses_null__"


def refuses_null(validator: Any) -> Any:
    """Marks a field validator that refuses null (a partial update's field may be left
    out, not set to null): the document then declares the field without null."""
    setattr(validator, REFUSES_NULL, True)
    return validator


@refuses_null
def not_null(value: object) -> object:
    """For partial updates: a field may be left out, but not set to null
    (`_not_null = field_validator("name", ...)(not_null)`)."""
    if value is None:
        raise ValueError("must not be null")
    return value


def _null_refused(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    decorators = getattr(model, "__pydantic_decorators__", None)
    for decorator in getattr(decorators, "field_validators", {}).values():
        func = getattr(decorator.func, "__func__", decorator.func)
        if getattr(func, REFUSES_NULL, False):
            for name in decorator.info.fields:
                info = model.model_fields.get(name)
                names.add((info.alias if info is not None else None) or name)
    return names


NO_NUL_PATTERN = "^[^\\u0000]*$"
# Text that must say something (a name): no NUL, and at least one character that is not
# whitespace as Python's str.strip() counts it (which is wider than JSON Schema's \s:
# U+001C..U+001F and U+0085 are whitespace to Python only).
_SPACE = "\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
VISIBLE_TEXT_PATTERN = f"^[^\\u0000]*[^\\u0000{_SPACE}][^\\u0000]*$"


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, plus what our models say outside their types: a string
    holds no NUL character (the house refuses them, api.routing), a field whose
    validator refuses null is not nullable."""

    def str_schema(self, schema: Any) -> Any:
        json_schema = super().str_schema(schema)
        json_schema.setdefault("pattern", NO_NUL_PATTERN)
        return json_schema

    def decimal_schema(self, schema: Any) -> Any:
        """A decimal sent as a JSON number says its bounds in the number's own terms:
        `decimal_places` is a `multipleOf` (0.001), `max_digits` a `maximum` (pydantic
        declares both only for the text form)."""
        json_schema = super().decimal_schema(schema)
        places, digits = schema.get("decimal_places"), schema.get("max_digits")
        for branch in json_schema.get("anyOf", []):
            if branch.get("type") != "number":
                continue
            if places is not None and "multipleOf" not in branch:
                branch["multipleOf"] = 1 if places == 0 else float(Decimal(1).scaleb(-places))
            if digits is not None:
                step = Decimal(1).scaleb(-(places or 0))
                largest = float(Decimal(10) ** (digits - (places or 0)) - step)
                if largest < branch.get("maximum", math.inf):
                    branch["maximum"] = largest
                if "exclusiveMinimum" not in branch and -largest > branch.get("minimum", -math.inf):
                    branch["minimum"] = -largest
        return json_schema

    def model_schema(self, schema: Any) -> Any:
        json_schema = super().model_schema(schema)
        properties = json_schema.get("properties", {})
        for name in _null_refused(schema["cls"]):
            if name in properties:
                properties[name] = _without_null(properties[name])
        return json_schema


class _Schemas:
    """Collects component schemas, shared by every endpoint of a document.

    Contracts that share a port (shop, commerce and erp on API_PORT) each have models of
    the same name (`RegisterIn`, `OrderOut`, ...) that are not the same model: the first
    contract to name a component keeps the plain name, a later contract's different
    schema of that name becomes `<contract>.<Name>` (and every reference to it follows),
    so no contract's document describes another's body."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}
        self.namespace = ""
        self._owners: dict[str, str] = {}

    def _register(self, defs: dict[str, Any]) -> dict[str, str]:
        """Add `defs` to the components; the names they were stored under."""
        renamed: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for name, definition in defs.items():
                if name in renamed:
                    continue
                existing = self.components.get(name)
                mine = _renamed_refs(definition, renamed)
                if existing is None or existing == mine:
                    continue
                # Another contract's model of this name: `<contract>.<Name>`; another
                # model of this contract (an order's CustomerOut and the customers'
                # CustomerOut): `<Name>2`, `<Name>3`, ...
                base = (
                    name if self._owners.get(name) == self.namespace else f"{self.namespace}.{name}"
                )
                candidate, number = base, 2
                while self.components.get(candidate) not in (None, mine):
                    candidate, number = f"{base}{number}", number + 1
                if candidate != name:
                    renamed[name] = candidate
                    changed = True
        for name, definition in defs.items():
            stored = renamed.get(name, name)
            self.components[stored] = _renamed_refs(definition, renamed)
            self._owners.setdefault(stored, self.namespace)
        return renamed

    def of(
        self, annotation: Any, mode: Literal["validation", "serialization"] = "validation"
    ) -> dict[str, Any]:
        schema = TypeAdapter(annotation).json_schema(
            mode=mode, ref_template=REF, schema_generator=_Generator
        )
        defs = schema.pop("$defs", {})
        model = (
            annotation.__name__
            if isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and "$ref" not in schema
            else None
        )
        if model is not None:
            defs[model] = schema
        renamed = self._register(defs)
        if model is not None:
            return {"$ref": REF.format(model=renamed.get(model, model))}
        return dict(_renamed_refs(schema, renamed))

    def fields_of(self, model: type[BaseModel]) -> dict[str, dict[str, Any]]:
        """Each field's schema as the model declares it (constraints included), by the
        name it is sent under; the model itself is not a component."""
        schema = TypeAdapter(model).json_schema(ref_template=REF, schema_generator=_Generator)
        renamed = self._register(schema.pop("$defs", {}))
        return dict(_renamed_refs(schema, renamed).get("properties", {}))


def _renamed_refs(value: Any, renamed: dict[str, str]) -> Any:
    """`value` with its `$ref`s to renamed components pointing at their new names."""
    if not renamed:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith(REF_PREFIX):
                name = item[len(REF_PREFIX) :]
                out[key] = REF.format(model=renamed.get(name, name))
            else:
                out[key] = _renamed_refs(item, renamed)
        return out
    if isinstance(value, list):
        return [_renamed_refs(item, renamed) for item in value]
    return value


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value: it cannot be sent as null (nor can a
    partial update's field whose validator refuses null)."""
    branches = schema.get("anyOf")
    if not branches:
        return schema
    kept = [branch for branch in branches if branch != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    if len(kept) == 1:
        # What the field itself declares (a phone's pattern) is stricter than its type's
        # default (no NUL): it wins.
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}


def _path_template(path: str) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", r"{\1}", path)


def _operation(endpoint: Endpoint, schemas: _Schemas, contract: Contract) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{contract.name}_{endpoint.handler.__name__}",
        "summary": endpoint.summary or endpoint.handler.__name__.replace("_", " "),
        "tags": list(endpoint.tags) or [contract.name],
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    rules = rules_beyond_schema(endpoint)
    if rules:
        status = endpoint.errors.status_of(endpoint.errors.validation_status)
        listed = "\n".join(f"- {rule}" for rule in rules)
        text = f"Rules beyond the schema (a request that breaks one is a {status}):\n{listed}"
        operation["description"] = "\n\n".join(filter(None, (endpoint.description, text)))
        operation[RULES_BEYOND_SCHEMA] = True
    parameters: list[dict[str, Any]] = []
    for name, annotation in endpoint.path_params.items():
        parameters.append(
            {"name": name, "in": "path", "required": True, "schema": schemas.of(annotation)}
        )
    if endpoint.query_model is not None:
        declared = schemas.fields_of(endpoint.query_model)
        for name, info in endpoint.query_model.model_fields.items():
            alias = info.alias or name
            schema = _without_null(
                {k: v for k, v in declared[alias].items() if k not in ("title", "description")}
            )
            parameter = {
                "name": alias,
                "in": "query",
                "required": info.is_required(),
                "schema": schema,
            }
            if info.description:
                parameter["description"] = info.description
            parameters.append(parameter)
    if endpoint.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body_model is not None:
        operation["requestBody"] = {
            "required": not endpoint.body_optional,
            "content": {"application/json": {"schema": schemas.of(endpoint.body_model)}},
        }
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": "Successful Response"}
    if endpoint.response is not None:
        success["content"] = {
            "application/json": {"schema": schemas.of(endpoint.response, mode="serialization")}
        }
    elif endpoint.media_type != "application/json":
        success["content"] = {endpoint.media_type: {"schema": {"type": "string"}}}
    if endpoint.idempotent:
        success["headers"] = {idempotency.REPLAYED_HEADER: REPLAYED}
    responses[str(endpoint.status)] = success
    dialect = endpoint.errors
    schemas.components[dialect.schema_name] = dialect.schema or ERROR
    schemas.components[dialect.validation_schema_name] = (
        dialect.validation_schema or VALIDATION_ERROR
    )

    def error(text: str) -> dict[str, Any]:
        return {
            "description": text,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=dialect.schema_name)}}
            },
        }

    for status, text in endpoint.responses.items():
        if status == endpoint.status:
            success["description"] = text
        else:
            responses[str(dialect.status_of(status))] = error(text)
    for status, text in _possible_refusals(endpoint):
        responses.setdefault(str(dialect.status_of(status)), error(text))
    if endpoint.idempotent:
        responses.setdefault(
            str(dialect.status_of(409)),
            error("A request with this Idempotency-Key is still being processed"),
        )
    if endpoint.needs_principal or endpoint.needs_account:
        operation["security"] = [{"bearerAuth": []}]
        responses.setdefault("401", error("Not authenticated"))
    if endpoint.body_model is not None or endpoint.query_model is not None or endpoint.path_params:
        responses[str(dialect.status_of(dialect.validation_status))] = {
            "description": "Validation Error",
            "content": {
                "application/json": {
                    "schema": {"$ref": REF.format(model=dialect.validation_schema_name)}
                }
            },
        }
    operation["responses"] = responses
    return operation


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The operation's mark that it has rules its schema cannot state (tools/schemathesis.toml
# accepts their validation error for a schema-valid request of these operations only).
RULES_BEYOND_SCHEMA = "x-rules-beyond-schema"


def rules_beyond_schema(endpoint: Endpoint) -> list[str]:
    """The endpoint's own rules, and those of the mechanism it uses."""
    rules = list(endpoint.rules)
    if endpoint.idempotent:
        rules.append(
            f"An {idempotency.HEADER} already used for another request of this shop "
            "(another method, path or body) is refused."
        )
    return rules


def _possible_refusals(endpoint: Endpoint) -> list[tuple[int, str]]:
    """The answers any endpoint of this shape can give besides its own (which its
    `responses` describe better): from what the routing layer and core raise."""
    refusals: list[tuple[int, str]] = []
    if endpoint.method in WRITES:
        refusals.append((400, "Refused by a rule of the domain (e.g. a status change)"))
    authenticated = endpoint.needs_principal or endpoint.needs_account
    names_something = endpoint.body_model is not None or endpoint.query_model is not None
    if endpoint.path_params or (authenticated and names_something):
        refusals.append((404, "Not found (an id in the path, query or body, in this shop)"))
    if endpoint.method in WRITES:
        refusals.append((409, "Conflicts with the current state (a duplicate, stock, use)"))
    if endpoint.body_model is not None or endpoint.json_raw:
        refusals.append((415, "The body is not sent as application/json"))
    if endpoint.rate_limit or authenticated:
        refusals.append((429, "Too many requests (`Retry-After` says when to retry)"))
    return refusals


# Documents already built in this process, by what they are built from. The entry keeps
# the contracts and endpoints it was built from, so their ids cannot name other objects.
_BUILT: dict[tuple[Any, ...], tuple[tuple[Any, ...], dict[str, Any]]] = {}


def build_document(
    mounts: list[tuple[str, Contract]], *, title: str, version: str, description: str = ""
) -> dict[str, Any]:
    """The OpenAPI document for one port: every contract mounted there, under its prefix.

    A document is a pure function of the declarations, and generating its schemas is most
    of an application's start-up (~1 s): it is built once per process for the same
    contracts, endpoints, prefixes and title (every test's applications reuse it), and each
    caller gets its own copy."""
    key = (
        title,
        version,
        description,
        tuple(
            (
                prefix,
                id(contract),
                contract.name,
                contract.mount,
                tuple(map(id, contract.endpoints)),
            )
            for prefix, contract in mounts
        ),
    )
    built = _BUILT.get(key)
    if built is None:
        sources = tuple((contract, tuple(contract.endpoints)) for _, contract in mounts)
        built = _BUILT[key] = (sources, _build_document(mounts, title, version, description))
    return copy.deepcopy(built[1])


def _build_document(
    mounts: list[tuple[str, Contract]], title: str, version: str, description: str
) -> dict[str, Any]:
    schemas = _Schemas()
    schemas.components["HTTPError"] = ERROR
    schemas.components["HTTPValidationError"] = VALIDATION_ERROR
    paths: dict[str, dict[str, Any]] = {}
    for prefix, contract in mounts:
        schemas.namespace = contract.name
        for endpoint in contract.endpoints:
            if not endpoint.include_in_schema:
                continue
            path = _path_template(contract.full_path(endpoint, prefix))
            paths.setdefault(path, {})[endpoint.method.lower()] = _operation(
                endpoint, schemas, contract
            )
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A JWT from a sign-in endpoint, or an API key (sk_...) from `sauda apikey create`.",
                }
            },
        },
    }


SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — Swagger UI</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/docs/swagger-ui-bundle.js"></script>
<script src="/static/docs/swagger-init.js"></script>
</body></html>"""

REDOC_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} — ReDoc</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/static/docs/redoc.standalone.js"></script>
</body></html>"""


class PortDocument:
    """A port's OpenAPI document, built when first asked for: generating the schemas is
    most of an application's start-up (~0.5 s a port), and a process that never serves
    /openapi.json (most test applications) never builds it."""

    def __init__(self, build: Callable[[], dict[str, Any]], *, title: str) -> None:
        self.title = title
        self._build = build
        self._document: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        if self._document is None:
            self._document = self._build()
        return self._document


OPENAPI_KEY = web.AppKey("openapi", PortDocument)


def openapi_document(app: web.Application) -> dict[str, Any]:
    """The OpenAPI document a port's root app serves at /openapi.json."""
    return app[OPENAPI_KEY].get()


def setup_docs(app: web.Application, document: PortDocument) -> None:
    """/openapi.json, /docs, /redoc and their local assets on a port's root app."""
    app[OPENAPI_KEY] = document
    title = document.title

    async def openapi_json(request: web.Request) -> web.Response:
        return web.json_response(openapi_document(request.app))

    async def swagger(_: web.Request) -> web.Response:
        return web.Response(text=SWAGGER_PAGE.format(title=title), content_type="text/html")

    async def redoc(_: web.Request) -> web.Response:
        return web.Response(text=REDOC_PAGE.format(title=title), content_type="text/html")

    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", swagger)
    app.router.add_get("/redoc", redoc)
    app.router.add_static("/static/docs/", STATIC_DIR / "docs")
