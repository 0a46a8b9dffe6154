"""schemathesis hooks for `make fuzz` (tools/fuzz.py loads them with SCHEMATHESIS_HOOKS).

A client sends a new `Idempotency-Key` for each new request (the documents say so: the
same key with another body is a validation error, issue 9). The generator cannot know
that and draws the same short keys ("0", "!") for different bodies; so every call that
carries a well-formed key gets a key of its own; a negative case is sent as drawn.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

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


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but one false "schema-valid request rejected": a stateful step
    whose link took a null from a response (a dashboard's best seller whose product was
    deleted: `product_id: null`) sends `/api/products/None`, which is no integer, so
    the request was not schema-valid and its 422 is right."""
    if getattr(failure, "code", "") != "ST202":
        return True
    return all(value is not None for value in (case.path_parameters or {}).values())
