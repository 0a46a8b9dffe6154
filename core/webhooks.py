"""Webhooks out: a shop's endpoints, and the events they receive through the outbox.

A shop configures endpoints (URL, secret, the events it wants). When one of
`order.status_changed`, `payment.received`, `customer.registered` happens, the
subscriber `on_event` writes one outbox row (topic `webhook`) per active endpoint that
wants it, in the transaction of the change. The row holds the exact JSON body

    {"event": ..., "timestamp": "2024-12-26T14:30:00", "shop_id": 1, "data": {...}}

(statuses in the shop dialect's words), so every retry sends the same bytes; the row's
`event_id` is the `X-Webhook-Id` receivers de-duplicate on. Rows of one endpoint and
one order (or customer) share a key, so the worker delivers them in order, and a
receiver that is down delays only its own rows. The HTTP delivery itself lives in the
transport (api.webhooks_out).

A webhook URL must be http(s) and must not point at loopback, private, link-local or
otherwise non-public addresses (its host is resolved), unless the deployment allows
private webhooks; the deliverer checks the addresses again when it connects.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from core import events
from core.clock import Clock, SystemClock
from core.dialects.shop import format_datetime, order_status_word
from core.errors import Conflict, Forbidden, ValidationFailed
from core.models import Role, WebhookEndpoint
from core.outbox import enqueue
from core.tenancy import get_owned, scoped

TOPIC = "webhook"
EVENTS = (events.ORDER_STATUS_CHANGED, events.PAYMENT_RECEIVED, events.CUSTOMER_REGISTERED)
MAX_ENDPOINTS_PER_SHOP = 5
SECRET_PREFIX = "whsec_"
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 128
MAX_URL_LENGTH = 1000
MANAGERS = frozenset({Role.OWNER, Role.ADMIN})

Resolver = Callable[[str], Awaitable[list[str]]]

# The clock of the process that subscribed (see `subscribe`): events are stamped and
# scheduled with it. The bus calls module-level functions, which cannot carry a runtime.
_clock: Clock = SystemClock()


# --- addresses ------------------------------------------------------------------------


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, ...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


async def resolve_host(host: str) -> list[str]:
    """Every address a host name resolves to (an IP literal resolves to itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _refuse(msg: str, loc: Sequence[str | int]) -> ValidationFailed:
    return ValidationFailed.field(*loc, msg=msg)


async def check_url(
    url: str,
    *,
    allow_private: bool,
    loc: Sequence[str | int] = ("url",),
    resolve: Resolver = resolve_host,
) -> str:
    """The URL if a webhook may be sent there; a 422 at `loc` saying why not otherwise."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise _refuse(f"must be a URL of at most {MAX_URL_LENGTH} characters", loc)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        raise _refuse("not a valid URL", loc) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse("must be an http:// or https:// URL with a host", loc)
    if parts.username or parts.password:
        raise _refuse("must not carry credentials; the secret signs every call", loc)
    if allow_private:
        return url
    try:
        addresses = await resolve(parts.hostname)
    except (OSError, UnicodeError):
        raise _refuse(f"host {parts.hostname!r} does not resolve", loc) from None
    if not addresses:
        raise _refuse(f"host {parts.hostname!r} does not resolve", loc)
    private = [a for a in addresses if not is_public_address(a)]
    if private:
        raise _refuse(
            "must not point at a loopback, private or link-local address "
            f"({parts.hostname} -> {private[0]})",
            loc,
        )
    return url


# --- signatures -------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the exact body with the endpoint's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(24)


def mask_secret(secret: str) -> str:
    """What responses show of a secret: its last four characters."""
    return "****" + secret[-4:]


# --- endpoints --------------------------------------------------------------------------


def _check_role(role: Role | None) -> None:
    if role is not None and role not in MANAGERS:
        raise Forbidden("Only the owner or an admin may configure webhooks")


def _check_secret(secret: str, loc: Sequence[str | int]) -> str:
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise _refuse(f"must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters long", loc)
    if not secret.isprintable() or secret != secret.strip():
        raise _refuse("must be printable without surrounding spaces", loc)
    return secret


def _check_events(names: Sequence[str] | None) -> list[str]:
    if names is None:
        return list(EVENTS)
    chosen = list(dict.fromkeys(names))
    for index, name in enumerate(chosen):
        if name not in EVENTS:
            raise ValidationFailed.field(
                "events", index, msg=f"unknown event; known: {', '.join(EVENTS)}"
            )
    if not chosen:
        raise ValidationFailed.field("events", msg="choose at least one event")
    return chosen


async def list_endpoints(*, shop_id: int, role: Role | None = None) -> list[WebhookEndpoint]:
    _check_role(role)
    return list(await scoped(WebhookEndpoint, shop_id).order_by("id"))


async def get_endpoint(
    *, shop_id: int, endpoint_id: int, role: Role | None = None
) -> WebhookEndpoint:
    _check_role(role)
    return await get_owned(WebhookEndpoint, shop_id=shop_id, id=endpoint_id, what="Webhook")


async def create_endpoint(
    *,
    shop_id: int,
    url: str,
    allow_private: bool,
    secret: str | None = None,
    events_wanted: Sequence[str] | None = None,
    role: Role | None = None,
    resolve: Resolver = resolve_host,
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; returns it with its secret (shown to the caller this once).

    Outcomes: 422 for a refused URL, a short secret or an unknown event; 409 when the
    shop already has this URL or its maximum of endpoints; 403 for a role that may not.
    """
    _check_role(role)
    url = await check_url(url, allow_private=allow_private, resolve=resolve)
    secret = _check_secret(secret, ("secret",)) if secret else new_secret()
    wanted = _check_events(events_wanted)
    async with in_transaction():
        existing = await scoped(WebhookEndpoint, shop_id).select_for_update()
        if any(e.url == url for e in existing):
            raise Conflict("This shop already has a webhook with this URL")
        if len(existing) >= MAX_ENDPOINTS_PER_SHOP:
            raise Conflict(f"A shop may have at most {MAX_ENDPOINTS_PER_SHOP} webhooks")
        endpoint = await WebhookEndpoint.create(
            shop_id=shop_id, url=url, secret=secret, events=wanted, is_active=True
        )
    return endpoint, secret


async def update_endpoint(
    *,
    shop_id: int,
    endpoint_id: int,
    allow_private: bool,
    url: str | None = None,
    secret: str | None = None,
    events_wanted: Sequence[str] | None = None,
    is_active: bool | None = None,
    role: Role | None = None,
    resolve: Resolver = resolve_host,
) -> WebhookEndpoint:
    """Change the given settings of an endpoint (each checked as on creation)."""
    _check_role(role)
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = await check_url(url, allow_private=allow_private, resolve=resolve)
    if secret is not None:
        changes["secret"] = _check_secret(secret, ("secret",))
    if events_wanted is not None:
        changes["events"] = _check_events(events_wanted)
    if is_active is not None:
        changes["is_active"] = is_active
    async with in_transaction():
        endpoint = await get_owned(
            WebhookEndpoint, shop_id=shop_id, id=endpoint_id, for_update=True, what="Webhook"
        )
        if "url" in changes and changes["url"] != endpoint.url:
            taken = (
                await scoped(WebhookEndpoint, shop_id)
                .filter(url=changes["url"])
                .exclude(id=endpoint.id)
                .exists()
            )
            if taken:
                raise Conflict("This shop already has a webhook with this URL")
        for name, value in changes.items():
            setattr(endpoint, name, value)
        if changes:
            await endpoint.save(update_fields=[*changes, "updated_at"])
    return endpoint


async def delete_endpoint(*, shop_id: int, endpoint_id: int, role: Role | None = None) -> None:
    """Remove an endpoint; what is still queued for it is dropped at delivery."""
    _check_role(role)
    async with in_transaction():
        endpoint = await get_owned(
            WebhookEndpoint, shop_id=shop_id, id=endpoint_id, for_update=True, what="Webhook"
        )
        await endpoint.delete()


async def set_endpoint(
    *,
    shop_id: int,
    url: str,
    allow_private: bool,
    secret: str | None = None,
    events_wanted: Sequence[str] | None = None,
) -> tuple[WebhookEndpoint, bool, str | None]:
    """Create the shop's endpoint for this URL, or update it (the `sauda webhook set` verb).

    Returns the endpoint, whether it was created, and its secret when it was generated
    or given here (so it is shown once), else None.
    """
    url = await check_url(url, allow_private=allow_private)
    existing = await scoped(WebhookEndpoint, shop_id).filter(url=url).first()
    if existing is None:
        endpoint, plain = await create_endpoint(
            shop_id=shop_id,
            url=url,
            allow_private=True,
            secret=secret,
            events_wanted=events_wanted,
        )
        return endpoint, True, plain
    endpoint = await update_endpoint(
        shop_id=shop_id,
        endpoint_id=existing.id,
        allow_private=True,
        secret=secret,
        events_wanted=events_wanted,
        is_active=True,
    )
    return endpoint, False, secret


# --- events -> outbox rows ----------------------------------------------------------------


def _data(event: events.DomainEvent) -> dict[str, Any]:
    p = event.payload
    if event.name == events.ORDER_STATUS_CHANGED:
        old = p.get("old_status")
        return {
            "order_id": p["order_id"],
            "old_status": order_status_word(old) if old else None,
            "new_status": order_status_word(p["new_status"]),
            "tracking_token": p.get("tracking_token"),
        }
    if event.name == events.PAYMENT_RECEIVED:
        return {
            "order_id": p.get("order_id"),
            "payment_id": p.get("payment_id"),
            "payment_method": p.get("payment_method"),
            "amount": p.get("amount"),
            "tracking_token": p.get("tracking_token"),
        }
    return {
        "customer_id": p.get("customer_id"),
        "phone": p.get("phone"),
        "name": p.get("name"),
    }


def webhook_body(event: events.DomainEvent, *, at: datetime) -> str:
    """The JSON text sent for an event (the document's payload, keys in its order)."""
    body = {
        "event": event.name,
        "timestamp": format_datetime(at),
        "shop_id": event.shop_id,
        "data": _data(event),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


async def on_event(event: events.DomainEvent) -> None:
    """Queue the event for every active endpoint of its shop that wants it."""
    if event.name not in EVENTS or event.shop_id is None:
        return
    endpoints = await WebhookEndpoint.filter(shop_id=event.shop_id, is_active=True).order_by("id")
    wanted = [e for e in endpoints if event.name in (e.events or [])]
    if not wanted:
        return
    now = _clock.now()
    body = webhook_body(event, at=now)
    subject = event.key or event.name
    for endpoint in wanted:
        await enqueue(
            topic=TOPIC,
            event_type=event.name,
            payload={"endpoint_id": endpoint.id, "body": body},
            shop_id=event.shop_id,
            key=f"webhook:{endpoint.id}:{subject}"[:128],
            destination=str(endpoint.id),
            now=now,
        )


def subscribe(bus: events.EventBus, *, clock: Clock | None = None) -> None:
    """Subscribe `on_event` to the webhook events; events are stamped with `clock`."""
    global _clock
    _clock = clock or SystemClock()
    for name in EVENTS:
        bus.subscribe(name, on_event)


async def endpoint_for_delivery(endpoint_id: int) -> WebhookEndpoint | None:
    """The endpoint a queued row is for, or None when it was deleted or switched off."""
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if endpoint is None or not endpoint.is_active:
        return None
    return endpoint
