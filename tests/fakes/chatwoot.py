"""A fake Chatwoot (application API v1) on loopback that records what it receives.

    fake = await FakeChatwoot(token="cw-token").start()
    fake.conversations        # every conversation created, with its first message
    fake.contacts             # every contact created
    fake.hang_next_create = 2.0   # the next conversation is created, its answer late
    await fake.stop()         # an outage: the port refuses connections; start() again
    await fake.send_webhook(url, secret=..., payload={...}, delivery="d-1", at=ts)
                              # Chatwoot calling our webhook over real HTTP, signed

A wrong `api_access_token` is a 401, as Chatwoot answers.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.loopback import LoopbackServer


class FakeChatwoot(LoopbackServer):
    def __init__(self, *, token: str = "cw-token", account_id: int = 1) -> None:
        super().__init__()
        self.token = token
        self.account_id = account_id
        self.contacts: list[dict[str, Any]] = []
        self.conversations: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.hang_next_create = 0.0
        self._ids = itertools.count(101)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        base = f"/api/v1/accounts/{self.account_id}"
        app.router.add_get(base + "/contacts/search", self._search)
        app.router.add_post(base + "/contacts", self._create_contact)
        app.router.add_get(base + "/contacts/{id}/conversations", self._contact_conversations)
        app.router.add_post(base + "/conversations", self._create_conversation)
        return app

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if request.headers.get("api_access_token") != self.token:
            return web.json_response({"error": "Invalid Access Token"}, status=401)
        return await handler(request)

    async def _search(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "")
        found = [c for c in self.contacts if query in (c.get("email"), c.get("phone_number"))]
        return web.json_response({"meta": {"count": len(found)}, "payload": found})

    async def _create_contact(self, request: web.Request) -> web.Response:
        body = await request.json()
        contact = {"id": next(self._ids), **body}
        self.contacts.append(contact)
        return web.json_response({"payload": {"contact": contact, "contact_inbox": {}}})

    async def _contact_conversations(self, request: web.Request) -> web.Response:
        contact_id = int(request.match_info["id"])
        rows = [c for c in self.conversations if c["contact_id"] == contact_id]
        return web.json_response({"payload": rows})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = {"id": next(self._ids), "status": "open", **body}
        self.conversations.append(conversation)
        if self.hang_next_create:
            delay, self.hang_next_create = self.hang_next_create, 0.0
            await asyncio.sleep(delay)
        return web.json_response(conversation)

    async def send_webhook(
        self,
        url: str,
        *,
        secret: str,
        payload: dict[str, Any],
        delivery: str,
        at: int | None = None,
        tamper: bool = False,
    ) -> tuple[int, Any]:
        """POST a webhook delivery to `url` as Chatwoot does: `X-Chatwoot-Signature:
        sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, `X-Chatwoot-Timestamp`,
        `X-Chatwoot-Delivery`. `tamper` changes the body after signing. (status, JSON)."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        timestamp = str(at if at is not None else int(time.time()))
        digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "X-Chatwoot-Signature": "sha256=" + digest.hexdigest(),
            "X-Chatwoot-Timestamp": timestamp,
            "X-Chatwoot-Delivery": delivery,
        }
        if tamper:
            body = body.replace(b"resolved", b"open")
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            return response.status, await response.json(content_type=None)
