"""The commerce OpenAPI document's examples are requests the endpoints take: for every
operation with a JSON body, the example body Swagger UI's "Try it out" would send (built
from the schema the way Swagger UI builds it: each property's example, else its default,
else its first enum value, else a placeholder of its type and format) is sent over real
HTTP to a real project and is never a 422 (and the phone of `messages/send` is a real
number that reaches the customer)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from core.clock import FrozenClock
from core.phones import normalize_phone
from tests.api.commerce.helpers import json_of, sign_up

V1 = "/api/v1"
PLACEHOLDER_UUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
BY_FORMAT = {
    "uuid": PLACEHOLDER_UUID,
    "date-time": "2025-01-12T10:00:00Z",
    "date": "2025-01-12",
    "email": "user@example.com",
    "uri": "https://example.com/",
}
BY_TYPE: dict[str, Any] = {"string": "string", "integer": 0, "number": 0, "boolean": True}


def sample(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """The example value Swagger UI composes for `schema`."""
    if "$ref" in schema:
        return sample(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for key in ("example", "const"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return sample(options[0], components)
    kind = schema.get("type", "object")
    if kind == "object" or "properties" in schema:
        return {
            name: sample(prop, components) for name, prop in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [sample(schema.get("items", {}), components)]
    if kind == "string" and schema.get("format") in BY_FORMAT:
        return BY_FORMAT[schema["format"]]
    return BY_TYPE[kind]


async def test_every_request_body_example_of_the_document_is_taken(
    api: TestClient, clock: FrozenClock
) -> None:
    document = await json_of(await api.get("/openapi.json"), 200)
    components = document["components"]["schemas"]
    headers = await sign_up(api, clock, "examples@example.com")
    project = await json_of(
        await api.post(f"{V1}/projects", json={"name": "Examples"}, headers=headers), 201
    )
    tried = []
    for path, operations in document["paths"].items():
        if not path.startswith(V1):
            continue
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            body = sample(content["application/json"]["schema"], components)
            url = re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDER_UUID, path).replace(
                PLACEHOLDER_UUID, project["id"], 1
            )
            clock.advance(seconds=61)  # the auth endpoints' 5 a minute
            response = await api.request(method, url, json=body, headers=headers)
            answer = await response.text()
            assert response.status != 422, (method, path, body, answer)
            assert response.status < 500, (method, path, body, answer)
            tried.append((method, path))
    assert ("post", f"{V1}/messages/{{project_id}}/send") in tried
    assert ("patch", f"{V1}/projects/{{project_id}}") in tried
    assert len(tried) >= 9


async def test_the_send_example_s_phone_is_a_real_number(api: TestClient) -> None:
    document = await json_of(await api.get("/openapi.json"), 200)
    components = document["components"]["schemas"]
    recipient = sample(components["RecipientIn"], components)
    assert normalize_phone(recipient["phone"]) == recipient["phone"]
