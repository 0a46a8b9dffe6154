"""Another user's project ids, and ids of rows in another user's project, are 404 on
every endpoint of the commerce contract (and change nothing)."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from api.commerce import contract
from core.channels.inbox import InboundMessage, receive
from core.clock import FrozenClock
from core.models import Integration, IntegrationStatus, Message, Order, Report, Shop
from core.orders.imported import ExternalOrder, import_order
from core.orders.service import FreeLine
from core.orders.status import OrderStatus
from core.ports.chat import ChannelName, ChatAddress
from core.runtime import Runtime
from tests.api.commerce.helpers import json_of, sign_up
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN

V1 = "/api/v1"


async def _seed_alice(api: TestClient, clock: FrozenClock) -> tuple[dict[str, str], dict[str, str]]:
    headers = await sign_up(api, clock, "alice@example.com", "Alice")
    project = await json_of(
        await api.post(f"{V1}/projects", json={"name": "Alice's"}, headers=headers), 201
    )
    shop = await Shop.get(public_id=project["id"])
    integration = await json_of(
        await api.post(
            f"{V1}/integrations/{project['id']}/connect",
            json={
                "provider": "whatsapp",
                "config": {"phone_number_id": PHONE_NUMBER_ID, "access_token": TOKEN},
            },
            headers=headers,
        ),
        201,
    )
    imported = await import_order(
        shop_id=shop.id,
        incoming=ExternalOrder(
            provider="shopify",
            external_id="1001",
            lines=[FreeLine(name="Roses", quantity=1, price=25000)],
            total=25000,
            currency="KZT",
            status=OrderStatus.NEW,
            customer_name="Aru",
            customer_phone="+77011234567",
        ),
    )
    await receive(
        shop_id=shop.id,
        messages=[
            InboundMessage(
                address=ChatAddress(ChannelName.WHATSAPP, "77011234567"),
                external_id="wamid.alice.1",
                sent_at=clock.now(),
                kind="text",
                text="Hello",
                phone="+77011234567",
            )
        ],
    )
    message = await Message.get(external_id="wamid.alice.1")
    report = await json_of(
        await api.post(
            f"{V1}/reports/{project['id']}/generate",
            json={
                "report_type": "sales",
                "start_date": "2025-01-01T00:00:00Z",
                "end_date": "2025-01-31T23:59:59Z",
            },
            headers=headers,
        ),
        201,
    )
    ids = {
        "project_id": project["id"],
        "integration_id": integration["id"],
        "order_id": str(imported.order.public_id),
        "message_id": str(message.public_id),
        "report_id": report["id"],
    }
    return headers, ids


def _calls(ids: dict[str, str], own: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, options) for every endpoint, with Alice's ids; `own` is
    Bob's project (for Alice's sub-resources under a project Bob may see)."""
    send = {"recipient": {"phone": "+77011234567"}, "content": "Hi", "provider": "whatsapp"}
    report = {
        "report_type": "sales",
        "start_date": "2025-01-01T00:00:00Z",
        "end_date": "2025-01-31T23:59:59Z",
    }
    return [
        ("GET", "/projects/{project_id}", {}),
        ("PATCH", "/projects/{project_id}", {"json": {"name": "Mine now"}}),
        ("DELETE", "/projects/{project_id}", {}),
        ("POST", "/integrations/{project_id}/connect", {"json": {"provider": "whatsapp",
         "config": {"phone_number_id": "1", "access_token": "x"}}}),
        ("GET", "/integrations/{project_id}", {}),
        ("POST", "/integrations/{project_id}/{integration_id}/sync", {}),
        ("DELETE", "/integrations/{project_id}/{integration_id}", {}),
        ("GET", "/orders/{project_id}", {}),
        ("GET", "/orders/{project_id}/stats/summary", {}),
        ("GET", "/orders/{project_id}/{order_id}", {}),
        ("PATCH", "/orders/{project_id}/{order_id}", {"json": {"status": "cancelled"}}),
        ("POST", "/messages/{project_id}/send", {"json": send}),
        ("GET", "/messages/{project_id}/inbox", {}),
        ("GET", "/messages/{project_id}/conversation/{order_id}", {}),
        ("PATCH", "/messages/{project_id}/{message_id}/read", {}),
        ("GET", "/messages/{project_id}/stats/summary", {}),
        ("POST", "/reports/{project_id}/generate", {"json": report}),
        ("GET", "/reports/{project_id}", {}),
        ("GET", "/reports/{project_id}/{report_id}", {}),
        ("GET", "/reports/{project_id}/{report_id}/chart.png", {}),
        ("GET", "/reports/{project_id}/{report_id}/export.csv", {}),
        ("DELETE", "/reports/{project_id}/{report_id}", {}),
        ("GET", "/assistant/usage/{project_id}", {}),
        ("POST", "/assistant/query",
         {"json": {"project_id": ids["project_id"], "message": "Order #1001?"}}),
        ("POST", "/assistant/query",
         {"json": {"project_id": own, "message": "?", "order_id": ids["order_id"]}}),
        ("POST", "/assistant/generate-reply",
         {"params": {"project_id": ids["project_id"], "customer_message": "Hi"}}),
        ("POST", "/assistant/analyze-sentiment",
         {"params": {"project_id": ids["project_id"], "message": "Hi"}}),
    ]  # fmt: skip


async def test_another_users_ids_are_404_on_every_endpoint(
    api: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    _, alice = await _seed_alice(api, clock)
    bob = await sign_up(api, clock, "bob@example.com", "Bob")
    own = (
        await json_of(await api.post(f"{V1}/projects", json={"name": "Bob's"}, headers=bob), 201)
    )["id"]
    calls = _calls(alice, own)
    covered = {(method, path) for method, path, _ in calls}
    documented = {
        (e.method, e.path)
        for e in contract.endpoints
        if not e.path.startswith(("/auth/", "/webhooks/")) and e.path != "/projects"
    }
    assert documented <= covered, documented - covered
    made_up = str(uuid.uuid4())
    for method, template, options in calls:
        variants = [alice]
        if "{project_id}" in template and len(template.split("{")) > 2:
            # Alice's row under Bob's own project, and a made-up project id.
            variants += [{**alice, "project_id": own}, {**alice, "project_id": made_up}]
        for ids in variants:
            path = V1 + template.format(**ids)
            response = await api.request(method, path, headers=bob, **options)
            body = await json_of(response, 404)
            assert body["code"] == "NOT_FOUND", (method, path, body)
    # Nothing of Alice's changed.
    shop = await Shop.get(public_id=alice["project_id"])
    assert (shop.name, shop.is_active) == ("Alice's", True)
    integration = await Integration.get(public_id=alice["integration_id"])
    assert integration.status == IntegrationStatus.CONNECTED
    assert (await Order.get(public_id=alice["order_id"])).status == OrderStatus.NEW
    assert (await Message.get(public_id=alice["message_id"])).is_read is False
    assert await Report.filter(public_id=alice["report_id"]).exists()
    assert await Message.filter(shop_id=shop.id).count() == 1
    assert not await Integration.filter(external_key="1").exists()
    # An id that is no UUID is a validation error, located in the path.
    body = await json_of(await api.get(f"{V1}/projects/42", headers=bob), 422)
    assert body["detail"][0]["loc"] == ["path", "project_id"]
