"""A small client of the WhatsApp Cloud API (Meta's Graph API) over aiohttp.

    async with WhatsAppClient(base_url=settings.whatsapp_api_base,
                              version=settings.whatsapp_api_version) as graph:
        number = graph.number(phone_number_id="1234567890", access_token=token)
        sent = await number.send_text(to="77011234567", body="Hello")   # sent.id = "wamid..."

Every call is `POST|GET {base}/{version}/...` with `Authorization: Bearer <token>`:
messages (text, interactive reply buttons and lists, image by link or media id,
template with body parameters and quick-reply payloads), media upload (multipart) and
media download (the media id gives a short-lived URL, fetched with the same token).

Meta answers errors as `{"error": {"message", "type", "code", "error_data": {"details"},
"fbtrace_id"}}`; the client raises one typed `GraphError` per kind of reaction, chosen
by the error `code` (Meta asks clients to branch on it, not on titles or HTTP status):

| error                   | codes                                        | what the caller does          |
|-------------------------|----------------------------------------------|-------------------------------|
| `RateLimited`           | 4, 80007, 130429, 131048, 131056, HTTP 429   | retry later, backing off      |
| `ReengagementRequired`  | 131047, 470                                  | send an approved template     |
| `InvalidRecipient`      | 131026, 131021, 131030                       | stop; tell staff once         |
| `TemplateUnavailable`   | 132000, 132001, 132005, 132007, 132015, 132016 | stop; tell staff once       |
| `AccessDenied`          | 0, 10, 190, 200-299, HTTP 401/403            | the number's token is wrong   |
| `Unavailable`           | 1, 2, 131000, 131016, 133004, HTTP 5xx, network | retry later                |
| `BadRequest`            | anything else (100, 131008, 131009, 131051, ...) | a bug: do not retry        |

The client checks nothing of WhatsApp's limits itself: the renderer (bot.whatsapp)
keeps messages within them, and the fake Graph server in the tests enforces them the
way Meta does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
REENGAGEMENT_CODES = frozenset({131047, 470})
INVALID_RECIPIENT_CODES = frozenset({131026, 131021, 131030})
TEMPLATE_CODES = frozenset({132000, 132001, 132005, 132007, 132015, 132016})
ACCESS_CODES = frozenset({0, 10, 190, *range(200, 300)})
UNAVAILABLE_CODES = frozenset({1, 2, 131000, 131016, 133004})


class GraphError(Exception):
    """Meta refused a call; `code` is Meta's error code (0 when it sent none)."""

    def __init__(
        self,
        message: str,
        *,
        code: int = 0,
        status: int = 0,
        details: str = "",
        fbtrace_id: str = "",
    ) -> None:
        super().__init__(f"({code}) {message}" + (f": {details}" if details else ""))
        self.message = message
        self.code = code
        self.status = status
        self.details = details
        self.fbtrace_id = fbtrace_id


class RateLimited(GraphError):
    """Too many messages (app, number or per-recipient pair): retry later."""


class ReengagementRequired(GraphError):
    """The customer's 24-hour window is closed: only a template may go out."""


class InvalidRecipient(GraphError):
    """The number cannot receive WhatsApp messages (not on WhatsApp, or not allowed)."""


class TemplateUnavailable(GraphError):
    """The template does not exist in that language, is paused, or its parameters differ."""


class AccessDenied(GraphError):
    """The access token is invalid or lacks permission for this number."""


class Unavailable(GraphError):
    """Meta's side failed (5xx, "something went wrong", network): retry later."""


class BadRequest(GraphError):
    """The request itself is wrong; sending it again changes nothing."""


def error_class(code: int, status: int) -> type[GraphError]:
    """The typed error for Meta's error `code` (HTTP `status` where the code says little)."""
    if code in RATE_LIMIT_CODES or status == 429:
        return RateLimited
    if code in REENGAGEMENT_CODES:
        return ReengagementRequired
    if code in INVALID_RECIPIENT_CODES:
        return InvalidRecipient
    if code in TEMPLATE_CODES:
        return TemplateUnavailable
    if code in UNAVAILABLE_CODES or status >= 500:
        return Unavailable
    if code in ACCESS_CODES or status in (401, 403):
        return AccessDenied
    return BadRequest


def graph_error(status: int, body: Any) -> GraphError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        cls = error_class(0, status)
        return cls(f"HTTP {status} without a Graph error body", status=status)
    try:
        code = int(error.get("code") or 0)
    except (TypeError, ValueError):
        code = 0
    data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
    return error_class(code, status)(
        str(error.get("message") or f"HTTP {status}"),
        code=code,
        status=status,
        details=str((data or {}).get("details") or ""),
        fbtrace_id=str(error.get("fbtrace_id") or ""),
    )


@dataclass(frozen=True)
class SentMessage:
    """Meta's answer to a message: its id (`wamid...`) and the recipient's wa_id."""

    id: str
    wa_id: str


@dataclass(frozen=True)
class ReplyButton:
    id: str
    title: str


@dataclass(frozen=True)
class ListRow:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class ListSection:
    title: str
    rows: tuple[ListRow, ...]


@dataclass(frozen=True)
class MediaInfo:
    id: str
    url: str
    mime_type: str
    sha256: str
    file_size: int


class WhatsAppClient:
    """The Graph API at one base URL and version; `number(...)` speaks for one number."""

    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def __aenter__(self) -> WhatsAppClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    def url(self, *parts: str) -> str:
        return "/".join([self.base_url, self.version, *parts])

    def number(self, *, phone_number_id: str, access_token: str) -> WhatsAppNumber:
        return WhatsAppNumber(self, phone_number_id=phone_number_id, access_token=access_token)

    async def call(
        self,
        method: str,
        url: str,
        *,
        access_token: str,
        json_body: dict[str, Any] | None = None,
        form: aiohttp.FormData | None = None,
    ) -> dict[str, Any]:
        """One Graph call; its JSON answer, or the typed GraphError."""
        headers = {"Authorization": f"Bearer {access_token}"}
        try:
            async with self.session.request(
                method, url, headers=headers, json=json_body, data=form
            ) as response:
                text = await response.text()
                try:
                    body = json.loads(text) if text else {}
                except ValueError:
                    body = None
                if response.status >= 400 or not isinstance(body, dict):
                    raise graph_error(response.status, body)
                if "error" in body:
                    raise graph_error(response.status, body)
                return body
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Unavailable(f"{type(error).__name__}: {error}") from error

    async def media_info(self, *, media_id: str, access_token: str) -> MediaInfo:
        """Where a media id (a photo a customer sent) can be downloaded, for a few minutes."""
        body = await self.call("GET", self.url(media_id), access_token=access_token)
        return MediaInfo(
            id=str(body.get("id") or media_id),
            url=str(body["url"]),
            mime_type=str(body.get("mime_type") or ""),
            sha256=str(body.get("sha256") or ""),
            file_size=int(body.get("file_size") or 0),
        )

    async def download_media(self, *, media_id: str, access_token: str) -> tuple[bytes, str]:
        """The bytes and MIME type of a media id (fetched with the same token)."""
        info = await self.media_info(media_id=media_id, access_token=access_token)
        headers = {"Authorization": f"Bearer {access_token}"}
        try:
            async with self.session.get(info.url, headers=headers) as response:
                if response.status >= 400:
                    text = await response.text()
                    try:
                        body = json.loads(text) if text else None
                    except ValueError:
                        body = None
                    raise graph_error(response.status, body)
                return await response.read(), info.mime_type or response.content_type
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Unavailable(f"{type(error).__name__}: {error}") from error


class WhatsAppNumber:
    """One business phone number: sends messages and uploads media as it."""

    def __init__(self, client: WhatsAppClient, *, phone_number_id: str, access_token: str) -> None:
        self.client = client
        self.phone_number_id = phone_number_id
        self.access_token = access_token

    async def send(self, *, to: str, content: dict[str, Any]) -> SentMessage:
        """Send one message; `content` is its `type` and the object of that type."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        body.update(content)
        answer = await self.client.call(
            "POST",
            self.client.url(self.phone_number_id, "messages"),
            access_token=self.access_token,
            json_body=body,
        )
        messages = answer.get("messages") or [{}]
        contacts = answer.get("contacts") or [{}]
        message_id = str(messages[0].get("id") or "")
        if not message_id:
            raise Unavailable("the answer carries no message id")
        return SentMessage(id=message_id, wa_id=str(contacts[0].get("wa_id") or to))

    async def send_text(self, *, to: str, body: str, preview_url: bool = False) -> SentMessage:
        return await self.send(
            to=to, content={"type": "text", "text": {"body": body, "preview_url": preview_url}}
        )

    async def send_buttons(
        self,
        *,
        to: str,
        body: str,
        buttons: list[ReplyButton],
        image: dict[str, str] | None = None,
        footer: str = "",
    ) -> SentMessage:
        """Reply buttons (Meta allows 1-3); `image` ({"link": ...} or {"id": ...}) heads it."""
        interactive: dict[str, Any] = {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in buttons
                ]
            },
        }
        if image:
            interactive["header"] = {"type": "image", "image": dict(image)}
        if footer:
            interactive["footer"] = {"text": footer}
        return await self.send(to=to, content={"type": "interactive", "interactive": interactive})

    async def send_list(
        self,
        *,
        to: str,
        body: str,
        button: str,
        sections: list[ListSection],
        header: str = "",
        footer: str = "",
    ) -> SentMessage:
        """A list message: `button` opens it; at most 10 rows over at most 10 sections."""
        interactive: dict[str, Any] = {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": button,
                "sections": [
                    {
                        **({"title": section.title} if section.title else {}),
                        "rows": [
                            {
                                "id": row.id,
                                "title": row.title,
                                **({"description": row.description} if row.description else {}),
                            }
                            for row in section.rows
                        ],
                    }
                    for section in sections
                ],
            },
        }
        if header:
            interactive["header"] = {"type": "text", "text": header}
        if footer:
            interactive["footer"] = {"text": footer}
        return await self.send(to=to, content={"type": "interactive", "interactive": interactive})

    async def send_image(
        self, *, to: str, link: str = "", media_id: str = "", caption: str = ""
    ) -> SentMessage:
        if bool(link) == bool(media_id):
            raise ValueError("an image is sent by link or by media id, exactly one")
        image: dict[str, str] = {"link": link} if link else {"id": media_id}
        if caption:
            image["caption"] = caption
        return await self.send(to=to, content={"type": "image", "image": image})

    async def send_template(
        self,
        *,
        to: str,
        name: str,
        language: str,
        body_params: list[str] | None = None,
        quick_replies: list[str] | None = None,
    ) -> SentMessage:
        """An approved template: its body's {{1}}, {{2}}... and the payload each quick-reply
        button (by index) hands back when pressed."""
        components: list[dict[str, Any]] = []
        if body_params:
            components.append(
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": value} for value in body_params],
                }
            )
        for index, payload in enumerate(quick_replies or []):
            components.append(
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": str(index),
                    "parameters": [{"type": "payload", "payload": payload}],
                }
            )
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = components
        return await self.send(to=to, content={"type": "template", "template": template})

    async def upload_media(
        self, *, data: bytes, mime_type: str = "image/jpeg", filename: str = "photo.jpg"
    ) -> str:
        """Upload a file (a courier's photo) for messages of this number; its media id."""
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", data, filename=filename, content_type=mime_type)
        answer = await self.client.call(
            "POST",
            self.client.url(self.phone_number_id, "media"),
            access_token=self.access_token,
            form=form,
        )
        media_id = str(answer.get("id") or "")
        if not media_id:
            raise Unavailable("the upload answer carries no media id")
        return media_id

    async def download_media(self, *, media_id: str) -> tuple[bytes, str]:
        return await self.client.download_media(media_id=media_id, access_token=self.access_token)
