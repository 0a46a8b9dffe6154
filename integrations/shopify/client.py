"""A small client of the Shopify Admin REST API over aiohttp.

    async with ShopifyClient(admin_url="https://{shop}", version="2024-10") as shopify:
        store = shopify.store(shop="yourstore.myshopify.com", credentials=credentials)
        await store.shop()                                   # {"id", "name", "currency", ...}
        async for page in store.orders(updated_at_min=since):  # pages of order dicts
            ...
        await store.ensure_webhooks(address=url, topics=ORDER_TOPICS)

Calls are `{admin_url}/admin/api/{version}/...` (`admin_url` is a template with
`{shop}`, `https://{shop}` in production; the tests point it at a fake on loopback).
Credentials: an Admin API access token (`X-Shopify-Access-Token`, custom apps), or
without one the API key and secret as HTTP basic auth (legacy private apps).
Orders come 50 a page (Shopify's default; at most 250) with cursor pagination: the next page is the `rel="next"` URL
of the `Link` header (Shopify's `page_info` cursor), followed until there is none.

Errors: `AccessDenied` (401/403: wrong credentials), `NotFoundError` (404: no such
store), `Unavailable` (429, 5xx, network: try again later), `ShopifyError` otherwise.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled")
PAGE_SIZE = 50
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class ShopifyError(Exception):
    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class AccessDenied(ShopifyError):
    """The store refused the credentials."""


class NotFoundError(ShopifyError):
    """No such store (or resource)."""


class Unavailable(ShopifyError):
    """Shopify is rate limiting, down or unreachable: try again later."""


@dataclass(frozen=True)
class Credentials:
    api_key: str
    api_secret: str
    access_token: str = ""

    def headers(self) -> dict[str, str]:
        if self.access_token:
            return {"X-Shopify-Access-Token": self.access_token}
        return {"Authorization": aiohttp.encode_basic_auth(self.api_key, self.api_secret)}


def next_link(header: str | None) -> str | None:
    """The `rel="next"` URL of a Link header, if any."""
    if not header:
        return None
    for part in header.split(","):
        found = _NEXT.search(part)
        if found:
            return found.group(1)
    return None


class Store:
    """One store's Admin API with its credentials."""

    def __init__(self, client: ShopifyClient, *, shop: str, credentials: Credentials) -> None:
        self._client = client
        self.shop_domain = shop
        self.credentials = credentials
        self.base = client.admin_url.format(shop=shop).rstrip("/") + f"/admin/api/{client.version}"

    async def _call(
        self, method: str, url: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[Any, CIMultiDictProxy[str]]:
        session = self._client.session
        try:
            async with session.request(
                method,
                url,
                params=params,
                json=body,
                headers={"Accept": "application/json", **self.credentials.headers()},
            ) as response:
                text = await response.text()
                status = response.status
                headers = response.headers
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Unavailable(f"Shopify is unreachable: {error}") from error
        if status in (401, 403):
            raise AccessDenied("Shopify refused the credentials", status=status)
        if status == 404:
            raise NotFoundError("Shopify: not found", status=status)
        if status == 429 or status >= 500:
            raise Unavailable(f"Shopify answered {status}", status=status)
        if status >= 400:
            raise ShopifyError(f"Shopify answered {status}: {text[:200]}", status=status)
        try:
            data = await _json(text)
        except ValueError as error:
            raise ShopifyError("Shopify answered something that is not JSON") from error
        return data, headers

    async def shop(self) -> dict[str, Any]:
        data, _ = await self._call("GET", f"{self.base}/shop.json")
        return dict(data.get("shop") or {})

    async def orders_page(
        self,
        *,
        page_url: str | None = None,
        updated_at_min: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of orders (any status) updated since `updated_at_min`, and the URL
        of the next page (None on the last). `page_url` is a next-page URL from before
        (it carries everything; it must be this store's)."""
        if page_url is not None:
            if not page_url.startswith(self.base + "/orders.json?"):
                raise ShopifyError("a next-page link that is not this store's orders")
            data, headers = await self._call("GET", page_url)
        else:
            params: dict[str, Any] = {"status": "any", "limit": page_size}
            if updated_at_min:
                params["updated_at_min"] = updated_at_min
            data, headers = await self._call("GET", f"{self.base}/orders.json", params=params)
        return list(data.get("orders") or []), next_link(headers.get("Link"))

    async def orders(
        self, *, updated_at_min: str | None = None, page_size: int = PAGE_SIZE
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every order (any status) updated since `updated_at_min`, a page at a time."""
        page, url = await self.orders_page(updated_at_min=updated_at_min, page_size=page_size)
        yield page
        while url is not None:
            page, url = await self.orders_page(page_url=url)
            yield page

    async def webhooks(self) -> list[dict[str, Any]]:
        data, _ = await self._call("GET", f"{self.base}/webhooks.json")
        return list(data.get("webhooks") or [])

    async def ensure_webhooks(self, *, address: str, topics: Sequence[str]) -> list[int]:
        """Subscribe `address` to each topic (once: existing subscriptions are kept);
        the ids of the store's subscriptions to `address`."""
        existing = {(w.get("topic"), w.get("address")): w for w in await self.webhooks()}
        ids = []
        for topic in topics:
            found = existing.get((topic, address))
            if found is None:
                data, _ = await self._call(
                    "POST",
                    f"{self.base}/webhooks.json",
                    body={"webhook": {"topic": topic, "address": address, "format": "json"}},
                )
                found = data.get("webhook") or {}
            ids.append(int(found["id"]))
        return ids

    async def remove_webhooks(self, *, address: str) -> int:
        """Unsubscribe `address` from everything; how many subscriptions went."""
        removed = 0
        for webhook in await self.webhooks():
            if webhook.get("address") == address:
                with contextlib.suppress(NotFoundError):
                    await self._call("DELETE", f"{self.base}/webhooks/{webhook['id']}.json")
                removed += 1
        return removed


async def _json(text: str) -> Any:
    import json

    return json.loads(text) if text.strip() else {}


class ShopifyClient:
    def __init__(self, *, admin_url: str, version: str, timeout: float = 20.0) -> None:
        self.admin_url = admin_url
        self.version = version
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def store(self, *, shop: str, credentials: Credentials) -> Store:
        return Store(self, shop=shop, credentials=credentials)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> ShopifyClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
