"""A fake Shopify Admin REST API on loopback, for our real client to talk to.

Point the deployment at it with `SHOPIFY_ADMIN_URL=fake.admin_url` (a template with
`{shop}`); every call travels over real HTTP as it would to https://<shop>.

    fake = await FakeShopify().start()
    order = fake.add_order(total="59.98", items=[("Product A", 2, "29.99")])
    fake.update_order(order["id"], fulfillment_status="fulfilled")
    await fake.deliver("orders/updated", order["id"], url=webhook_url)   # signed POST
    await fake.close()

What it serves, as Shopify does (`/{shop}/admin/api/{version}/...`):

- `shop.json`; `orders.json?status=any&limit=N&updated_at_min=...` with cursor paging:
  at most `limit` (default 50, at most 250) orders by id, and a `Link` header
  `<...orders.json?limit=N&page_info=...>; rel="next"` while there are more; a request
  with `page_info` may carry nothing but `limit` (400 otherwise, as Shopify answers);
- `webhooks.json` (GET, POST `{"webhook": {"topic", "address", "format"}}`) and
  `DELETE webhooks/{id}.json`;
- credentials: `X-Shopify-Access-Token` equal to the store's token, or basic auth with
  its API key and secret; anything else 401 `{"errors": "[API] Invalid API key or
  access token (unrecognized login or wrong password)"}`; another store's path 404.

Webhooks are signed as Shopify signs them: `X-Shopify-Hmac-Sha256` = base64 HMAC-SHA256
of the raw body with the app's API secret, plus `X-Shopify-Topic`,
`X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id` (the same id on a redelivery).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

SHOP = "yourstore.myshopify.com"
API_KEY = "your-api-key"
API_SECRET = "your-api-secret"
VERSION = "2024-10"
INVALID = "[API] Invalid API key or access token (unrecognized login or wrong password)"


def sign(body: bytes, secret: str = API_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeShopify:
    def __init__(
        self,
        *,
        shop: str = SHOP,
        api_key: str = API_KEY,
        api_secret: str = API_SECRET,
        access_token: str = "",
        version: str = VERSION,
        now: datetime | None = None,
    ) -> None:
        self.shop = shop
        self.api_key = api_key
        self.api_secret = api_secret
        self.access_token = access_token
        self.version = version
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.orders: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[int, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.failures = 0
        self._order_ids = itertools.count(5_100_000_001)
        self._numbers = itertools.count(1001)
        self._webhook_ids = itertools.count(9_000_001)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- server ------------------------------------------------------------------------

    @property
    def admin_url(self) -> str:
        return self.base_url + "/{shop}"

    async def start(self) -> FakeShopify:
        app = web.Application()
        base = "/{shop}/admin/api/{version}"
        app.router.add_get(base + "/shop.json", self._shop)
        app.router.add_get(base + "/orders.json", self._orders)
        app.router.add_get(base + "/webhooks.json", self._list_webhooks)
        app.router.add_post(base + "/webhooks.json", self._create_webhook)
        app.router.add_delete(base + "/webhooks/{webhook_id}.json", self._delete_webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeShopify:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def _check(self, request: web.Request) -> None:
        self.requests.append((request.method, request.path_qs))
        if request.match_info["shop"] != self.shop:
            raise web.HTTPNotFound(text='{"errors": "Not Found"}', content_type="application/json")
        if self.failures:
            self.failures -= 1
            raise web.HTTPServiceUnavailable(
                text='{"errors": "Service unavailable"}', content_type="application/json"
            )
        token = request.headers.get("X-Shopify-Access-Token")
        if token is not None:
            if self.access_token and hmac.compare_digest(token, self.access_token):
                return
        else:
            header = request.headers.get("Authorization", "")
            expected = (
                "Basic " + base64.b64encode(f"{self.api_key}:{self.api_secret}".encode()).decode()
            )
            if hmac.compare_digest(header.encode(), expected.encode()):
                return
        raise web.HTTPUnauthorized(
            text=json.dumps({"errors": INVALID}), content_type="application/json"
        )

    async def _shop(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response(
            {
                "shop": {
                    "id": 548380009,
                    "name": "Your Store",
                    "domain": self.shop,
                    "currency": "USD",
                }
            }
        )

    async def _orders(self, request: web.Request) -> web.Response:
        self._check(request)
        query = request.query
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 250:
            return web.json_response({"errors": {"limit": "invalid"}}, status=400)
        after, since = 0, None
        if "page_info" in query:
            if set(query) - {"page_info", "limit"}:
                return web.json_response(
                    {"errors": {"page_info": "cannot be combined with other filters"}}, status=400
                )
            try:
                cursor = json.loads(base64.urlsafe_b64decode(query["page_info"]))
            except ValueError:
                return web.json_response({"errors": {"page_info": "invalid"}}, status=400)
            after, since = int(cursor["after"]), cursor.get("since")
        else:
            since = query.get("updated_at_min")
        chosen = [
            o
            for i, o in sorted(self.orders.items())
            if i > after and (since is None or _parse(o["updated_at"]) >= _parse(since))
        ]
        page, more = chosen[:limit], len(chosen) > limit
        response = web.json_response({"orders": page})
        if more:
            cursor = base64.urlsafe_b64encode(
                json.dumps({"after": page[-1]["id"], "since": since}).encode()
            ).decode()
            url = request.url.with_query({"limit": str(limit), "page_info": cursor})
            response.headers["Link"] = f'<{url}>; rel="next"'
        return response

    async def _list_webhooks(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response({"webhooks": list(self.webhooks.values())})

    async def _create_webhook(self, request: web.Request) -> web.Response:
        self._check(request)
        body = (await request.json()).get("webhook") or {}
        if not body.get("topic") or not body.get("address"):
            return web.json_response({"errors": {"webhook": "required"}}, status=422)
        for existing in self.webhooks.values():
            if (existing["topic"], existing["address"]) == (body["topic"], body["address"]):
                return web.json_response(
                    {"errors": {"address": ["for this topic has already been taken"]}}, status=422
                )
        webhook_id = next(self._webhook_ids)
        self.webhooks[webhook_id] = {
            "id": webhook_id,
            "topic": body["topic"],
            "address": body["address"],
            "format": body.get("format", "json"),
        }
        return web.json_response({"webhook": self.webhooks[webhook_id]}, status=201)

    async def _delete_webhook(self, request: web.Request) -> web.Response:
        self._check(request)
        removed = self.webhooks.pop(int(request.match_info["webhook_id"]), None)
        if removed is None:
            return web.json_response({"errors": "Not Found"}, status=404)
        return web.json_response({})

    # --- the store's data ----------------------------------------------------------------

    def tick(self, seconds: int = 60) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def add_order(
        self,
        *,
        items: list[tuple[str, int, str]] | None = None,
        total: str | None = None,
        currency: str = "USD",
        financial_status: str = "pending",
        fulfillment_status: str | None = None,
        customer: dict[str, Any] | None = None,
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """A new order; `items` are (title, quantity, price as Shopify writes it)."""
        items = items or [("Product A", 2, "29.99")]
        lines = []
        subtotal = 0
        for title, quantity, price in items:
            cents = round(float(price) * 100)
            subtotal += cents * quantity
            lines.append(
                {
                    "id": next(self._order_ids) + 7_000_000_000,
                    "title": title,
                    "quantity": quantity,
                    "price": price,
                    "variant_title": None,
                }
            )
        order_id = next(self._order_ids)
        placed = created_at or self.now
        order = {
            "id": order_id,
            "name": f"#{next(self._numbers)}",
            "email": (customer or {}).get("email"),
            "created_at": _iso(placed),
            "updated_at": _iso(self.now),
            "currency": currency,
            "total_price": total or f"{subtotal / 100:.2f}",
            "subtotal_price": f"{subtotal / 100:.2f}",
            "financial_status": financial_status,
            "fulfillment_status": fulfillment_status,
            "cancelled_at": None,
            "note": None,
            "line_items": lines,
            "fulfillments": [],
            "customer": customer
            or {"first_name": "John", "last_name": "Doe", "email": "john@example.com"},
            "shipping_address": {"address1": "1 Main St", "city": "New York", "country": "US"},
        }
        self.orders[order_id] = order
        return order

    def update_order(self, order_id: int, **changes: Any) -> dict[str, Any]:
        order = self.orders[order_id]
        order.update(changes)
        if changes.get("fulfillment_status") == "fulfilled":
            order["fulfillments"] = [{"id": order_id + 1, "created_at": _iso(self.now)}]
        order["updated_at"] = _iso(self.now)
        return order

    def cancel_order(self, order_id: int) -> dict[str, Any]:
        return self.update_order(order_id, cancelled_at=_iso(self.now), financial_status="voided")

    # --- webhooks ------------------------------------------------------------------------

    def signed(
        self, topic: str, order_id: int, *, webhook_id: str | None = None, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(self.orders[order_id]).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, secret or self.api_secret),
            "X-Shopify-Shop-Domain": self.shop,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-API-Version": self.version,
            "X-Shopify-Triggered-At": _iso(self.now),
        }
        return body, headers

    async def deliver(
        self,
        topic: str,
        order_id: int,
        *,
        url: str,
        webhook_id: str | None = None,
        secret: str | None = None,
        tamper: bool = False,
    ) -> tuple[int, Any]:
        """POST the order's webhook to `url` over real HTTP: (status, JSON answer).
        `secret` signs with another secret (a forgery); `tamper` changes the body after
        signing."""
        body, headers = self.signed(topic, order_id, webhook_id=webhook_id, secret=secret)
        if tamper:
            body = body.replace(b'"total_price": "', b'"total_price": "1')
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            return response.status, await response.json(content_type=None)
