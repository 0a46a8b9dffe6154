"""Plugin: signed webhooks out of the outbox (see sauda.wiring.PLUGINS).

`register(runtime)` subscribes core.webhooks to the events it sends; `deliverers`
gives the outbox worker the `webhook` topic's deliverer, which POSTs the stored body
with these headers:

    X-Webhook-Signature: sha256=<HMAC-SHA256 of the exact body with the endpoint's secret>
    X-Webhook-Event:     order.status_changed | payment.received | customer.registered
    X-Webhook-Id:        the outbox row's event id (the same on every retry: de-duplicate on it)
    X-Webhook-Timestamp: unix time of this attempt

Delivery is at least once: a call that times out (15 s) or whose answer is lost is
sent again with the same `X-Webhook-Id`, so receivers de-duplicate on it. Endpoints are
served concurrently, each in order per order/customer; one that fails or hangs is
backed off by the worker's circuit breaker (core.outbox) without delaying the others.
A non-2xx answer, a redirect or a network error raises, so the worker retries with
back-off; an endpoint that was deleted or switched off fails the row for good. Unless
private webhooks are allowed, the host is checked again here and the connection only
goes to the public addresses it resolved to (no DNS rebinding onto the local network).
"""

from __future__ import annotations

import socket
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from core import webhooks
from core.errors import ValidationFailed
from core.events import bus
from core.models import OutboxEvent
from core.outbox import Deliverer, PermanentFailure
from core.runtime import Runtime

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
USER_AGENT = "Sauda-Webhooks/1.0"


class WebhookRefused(Exception):
    """The receiver did not take the call (a non-2xx answer, or a refused address)."""


class PublicOnlyResolver(AbstractResolver):
    """Resolves like aiohttp does, but refuses hosts that resolve to non-public addresses."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            if not webhooks.is_public_address(result["host"]):
                raise OSError(f"webhook host {host} resolves to a non-public address")
        return results

    async def close(self) -> None:
        await self._inner.close()


def headers_for(row: OutboxEvent, *, secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Signature": webhooks.sign(secret, body),
        "X-Webhook-Event": row.event_type,
        "X-Webhook-Id": str(row.event_id),
        "X-Webhook-Timestamp": str(timestamp),
    }


def make_deliverer(runtime: Runtime) -> Deliverer:
    async def deliver(row: OutboxEvent) -> None:
        endpoint = await webhooks.endpoint_for_delivery(int(row.payload["endpoint_id"]))
        if endpoint is None:
            raise PermanentFailure("the webhook endpoint was deleted or switched off")
        allow_private = runtime.settings.allow_private_webhooks
        try:
            await webhooks.check_url(endpoint.url, allow_private=allow_private)
        except ValidationFailed as error:
            raise WebhookRefused(error.detail) from None
        body = str(row.payload["body"]).encode()
        headers = headers_for(
            row,
            secret=endpoint.secret,
            body=body,
            timestamp=int(runtime.clock.now().timestamp()),
        )
        connector = aiohttp.TCPConnector(
            resolver=None if allow_private else PublicOnlyResolver(), force_close=True
        )
        async with (
            aiohttp.ClientSession(connector=connector, timeout=TIMEOUT) as session,
            session.post(endpoint.url, data=body, headers=headers, allow_redirects=False) as answer,
        ):
            if not 200 <= answer.status < 300:
                raise WebhookRefused(f"{endpoint.url} answered HTTP {answer.status}")

    return deliver


def register(runtime: Runtime) -> None:
    webhooks.subscribe(bus, clock=runtime.clock)


def deliverers(runtime: Runtime) -> dict[str, Any]:
    return {webhooks.TOPIC: make_deliverer(runtime)}
