"""A fake 1C:ЦЛ standard OData interface on loopback that records what it receives.

    fake = await FakeOneC(username="site", password="secret").start()
    fake.documents            # every document created (Ref_Key, Number, fields)
    fake.hang_next_create = 2.0   # the next document is created, its answer late
    await fake.stop()         # an outage; start() again

Basic auth as 1C checks it (401 otherwise); `$filter` understands `<field> eq '<v>'`.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from typing import Any

from aiohttp import web
from aiohttp.helpers import encode_basic_auth

from tests.fakes.loopback import LoopbackServer

FILTER = re.compile(r"^(\w+) eq '((?:[^']|'')*)'$")


class FakeOneC(LoopbackServer):
    def __init__(self, *, username: str = "site", password: str = "secret") -> None:
        super().__init__()
        self.credentials = encode_basic_auth(username, password)
        self.documents: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.hang_next_create = 0.0
        self._numbers = itertools.count(522222)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/odata/standard.odata/{entity}", self._list)
        app.router.add_post("/odata/standard.odata/{entity}", self._create)
        return app

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if request.headers.get("Authorization") != self.credentials:
            return web.Response(status=401, headers={"WWW-Authenticate": "Basic"})
        return await handler(request)

    async def _list(self, request: web.Request) -> web.Response:
        rows = self.documents.get(request.match_info["entity"], [])
        wanted = FILTER.match(request.query.get("$filter", ""))
        if wanted:
            field, value = wanted.group(1), wanted.group(2).replace("''", "'")
            rows = [r for r in rows if str(r.get(field)) == value]
        return web.json_response({"odata.metadata": "", "value": rows})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        document = {
            **body,
            "Ref_Key": str(uuid.uuid4()),
            "Number": f"{next(self._numbers):011d}",
            "DeletionMark": False,
        }
        self.documents.setdefault(request.match_info["entity"], []).append(document)
        if self.hang_next_create:
            delay, self.hang_next_create = self.hang_next_create, 0.0
            await asyncio.sleep(delay)
        return web.json_response(document, status=201)

    def all(self) -> list[dict[str, Any]]:
        return [d for rows in self.documents.values() for d in rows]
