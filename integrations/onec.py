"""A small client of 1C's standard OData REST interface
(`{base}/odata/standard.odata/<entity set>?$format=json`, Basic auth), for the
consultations sync: find a document by a field's value, create one.

A non-2xx answer or a network error raises `OneCError`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


class OneCError(Exception):
    """1C did not take the call (non-2xx, or unreachable)."""


class OneCClient:
    def __init__(self, *, base_url: str, username: str, password: str) -> None:
        self._base = f"{base_url.rstrip('/')}/odata/standard.odata"
        # Credentials are UTF-8: 1C user names are often Cyrillic.
        self._headers = {"Authorization": aiohttp.helpers.encode_basic_auth(username, password)}

    async def _call(self, method: str, path: str, **options: Any) -> Any:
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT, headers=self._headers) as session,
                session.request(method, self._base + path, **options) as answer,
            ):
                if not 200 <= answer.status < 300:
                    raise OneCError(f"1C answered HTTP {answer.status} to {path}")
                return await answer.json(content_type=None)
        except aiohttp.ClientError as error:
            raise OneCError(f"1C unreachable: {error}") from None

    async def find(self, entity_set: str, *, field: str, value: str) -> dict[str, Any] | None:
        escaped = value.replace("'", "''")
        answer = await self._call(
            "GET",
            f"/{quote(entity_set)}",
            params={"$format": "json", "$filter": f"{field} eq '{escaped}'"},
        )
        rows = list((answer or {}).get("value") or [])
        return dict(rows[0]) if rows else None

    async def create(self, entity_set: str, document: dict[str, Any]) -> dict[str, Any]:
        return dict(
            await self._call(
                "POST", f"/{quote(entity_set)}", params={"$format": "json"}, json=document
            )
        )
