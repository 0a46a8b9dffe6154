"""A small client of Chatwoot's application API (`/api/v1/accounts/{account_id}/...`,
header `api_access_token`), for the consultations sync.

Only what the sync needs: find a contact by email or phone, create one, list a
contact's conversations, create a conversation in an inbox with a first message and
custom attributes. A non-2xx answer or a network error raises `ChatwootError`.
"""

from __future__ import annotations

from typing import Any

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)


class ChatwootError(Exception):
    """Chatwoot did not take the call (non-2xx, or unreachable)."""


class ChatwootClient:
    def __init__(self, *, base_url: str, account_id: int, api_access_token: str) -> None:
        self._base = f"{base_url.rstrip('/')}/api/v1/accounts/{account_id}"
        self._headers = {"api_access_token": api_access_token}

    async def _call(self, method: str, path: str, **options: Any) -> Any:
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT, headers=self._headers) as session,
                session.request(method, self._base + path, **options) as answer,
            ):
                if not 200 <= answer.status < 300:
                    raise ChatwootError(f"Chatwoot answered HTTP {answer.status} to {path}")
                return await answer.json(content_type=None)
        except aiohttp.ClientError as error:
            raise ChatwootError(f"Chatwoot unreachable: {error}") from None

    async def search_contacts(self, query: str) -> list[dict[str, Any]]:
        answer = await self._call("GET", "/contacts/search", params={"q": query})
        return list((answer or {}).get("payload") or [])

    async def create_contact(
        self, *, inbox_id: int, name: str, email: str | None, phone_number: str | None,
        attributes: dict[str, Any],
    ) -> dict[str, Any]:  # fmt: skip
        body: dict[str, Any] = {"inbox_id": inbox_id, "name": name, "custom_attributes": attributes}
        if email:
            body["email"] = email
        if phone_number:
            body["phone_number"] = phone_number
        answer = await self._call("POST", "/contacts", json=body)
        payload = (answer or {}).get("payload") or {}
        return dict(payload.get("contact") or payload)

    async def contact_conversations(self, contact_id: int) -> list[dict[str, Any]]:
        answer = await self._call("GET", f"/contacts/{contact_id}/conversations")
        return list((answer or {}).get("payload") or [])

    async def create_conversation(
        self, *, inbox_id: int, contact_id: int, content: str,
        custom_attributes: dict[str, Any], additional_attributes: dict[str, Any],
    ) -> dict[str, Any]:  # fmt: skip
        return dict(
            await self._call(
                "POST",
                "/conversations",
                json={
                    "inbox_id": inbox_id,
                    "contact_id": contact_id,
                    "status": "open",
                    "message": {"content": content},
                    "custom_attributes": custom_attributes,
                    "additional_attributes": additional_attributes,
                },
            )
        )
