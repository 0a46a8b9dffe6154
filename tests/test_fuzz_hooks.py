"""tools/fuzz_hooks.py: a stateful step whose link put into a path parameter a value its
schema does not take sent no schema-valid request, so its 422 is no failure."""

from __future__ import annotations

import types
from typing import Any

from tools.fuzz_hooks import _schema_valid_path

UUID = "10140ac2-be3e-42ae-8352-eeda3e40e8f2"


def _case(order_id: Any) -> Any:
    parameters = [
        {"in": "path", "name": name, "schema": {"type": "string", "format": "uuid"}}
        for name in ("project_id", "order_id")
    ]
    operation = types.SimpleNamespace(
        definition=types.SimpleNamespace(raw={"parameters": parameters})
    )
    return types.SimpleNamespace(
        path_parameters={"project_id": UUID, "order_id": order_id}, operation=operation
    )


def test_a_path_value_its_schema_refuses_is_no_schema_valid_request() -> None:
    # The shop's integer order id carried by a link into commerce's UUID path (fuzz on
    # main: GET /api/orders/ -> /api/v1/messages/{project_id}/conversation/112).
    assert not _schema_valid_path(_case(112))
    assert not _schema_valid_path(_case("112"))
    assert not _schema_valid_path(_case(None))
    assert _schema_valid_path(_case("20140ac2-be3e-42ae-8352-eeda3e40e8f2"))
