"""schemathesis hooks for `make fuzz` (tools/fuzz.py loads them with SCHEMATHESIS_HOOKS).

A client sends a new `Idempotency-Key` for each new request (the documents say so: the
same key with another body is a validation error, issue 9). The generator cannot know
that and draws the same short keys ("0", "!") for different bodies; so every call that
carries a well-formed key gets a key of its own; a negative case is sent as drawn.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import jsonschema_rs
import schemathesis

from core.idempotency import HEADER, KEY_PATTERN

_WELL_FORMED = re.compile(KEY_PATTERN)
_CALLS = itertools.count(1)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers
    meta = getattr(case, "meta", None)
    if not headers or (meta is not None and meta.generation.mode.is_negative):
        # A negative case is refused anyway; and an edit would make schemathesis
        # revalidate the headers, see them valid and send the Authorization a
        # missing-header case leaves out.
        return
    for name in list(headers):
        if name.lower() == HEADER.lower():
            value = headers[name]
            if isinstance(value, str) and _WELL_FORMED.fullmatch(value):
                headers[name] = f"fuzz-{next(_CALLS)}-{value}"[:255]


def _schema_valid_path(case: Any) -> bool:
    """Whether every path parameter of the case keeps its declared schema. A stateful
    link can carry a value the target does not take: a null from a response (a
    dashboard's best seller whose product was deleted: `/api/products/None`), or an id
    of another contract on the same port (the shop's order id 112 into commerce's
    `/messages/{project_id}/conversation/{order_id}`, a UUID)."""
    values = case.path_parameters or {}
    if any(value is None for value in values.values()):
        return False
    definition = getattr(getattr(case.operation, "definition", None), "raw", None) or {}
    for parameter in definition.get("parameters", []):
        if parameter.get("in") != "path" or parameter.get("name") not in values:
            continue
        schema = parameter.get("schema") or {}
        if "$ref" in json.dumps(schema):
            continue  # not resolved here: counted as valid (the failure is kept)
        validator = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
        if not validator.is_valid(values[parameter["name"]]):
            return False
    return True


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a false "schema-valid request rejected": a stateful step
    whose link put a value into a path parameter that its schema does not allow, so the
    request was not schema-valid and its 422 is right (_schema_valid_path)."""
    if getattr(failure, "code", "") != "ST202":
        return True
    return _schema_valid_path(case)
