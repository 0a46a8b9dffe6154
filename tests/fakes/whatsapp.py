"""A fake WhatsApp Cloud API (Meta's Graph API) on loopback, for our real client to talk to.

Point the deployment at it with `WHATSAPP_API_BASE=fake.base_url` (and the same
`WHATSAPP_API_VERSION`); every call travels over real HTTP as it would to
graph.facebook.com.

    fake = await FakeGraph().start()
    fake.add_number(PHONE_NUMBER_ID, TOKEN)          # a business number and its token
    ...                                              # our code sends through fake.base_url
    fake.messages(to="77011234567")                  # recorded message calls that succeeded
    fake.fail(code=130429)                           # the next message call: rate limit
    fake.fail(code=131047, to="77011234567")         # ... to that customer: re-engagement
    await fake.close()

What it serves, as Meta does:

- `POST /{version}/{phone_number_id}/messages`: text, interactive (reply buttons, list),
  image (by `link` or uploaded media `id`), template (registered with `add_template`,
  body parameter count and quick-reply buttons checked). Answers
  `{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}`.
  WhatsApp's limits are enforced in characters (code points), with Meta's error JSON
  (`{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}`):
  text body <= 4096; interactive body <= 1024, header text <= 60, footer <= 60; 1-3 reply
  buttons with unique ids (<= 256) and unique titles (1-20); a list's button label 1-20,
  1-10 sections, 1-10 rows in all, section titles <= 24 (required with two sections or
  more), row ids unique (<= 200), row titles 1-24, descriptions <= 72; captions <= 1024.
- `POST /{version}/{phone_number_id}/media` (multipart: messaging_product, type, file)
  answers `{"id": ...}`; `GET /{version}/{media_id}` answers the media's download `url`,
  which needs the same Bearer token.
- a wrong or missing access token answers 401 with code 190; an unknown number id 400
  with code 100.
- `fail(...)` injects Meta's errors: 130429 / 131056 (rate limits), 131047 (re-engagement),
  131026 (undeliverable), 132001 (no such template), 500/503 (code 131000/131016).
- with `clock=` and `enforce_window=True` it refuses free-form messages (131047) to a
  customer whose last message, by the `timestamp` of a delivery built here, is 24 hours
  old or more, as Meta does. (The real Cloud API may also report 131047 and 131026 late,
  in a `failed` status callback: `status_update(...)` builds those.)

Webhook deliveries are BUILT here too, signed with the app secret as Meta signs them
(`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`): `text(...)`,
`button_reply(...)`, `list_reply(...)`, `quick_reply(...)` (a template's button),
`location(...)`, `image(...)` (its media stored here for download), `contacts(...)`, and
`status_update(...)` (sent, delivered, read, failed with an error code) are the objects;
`delivery(...)` wraps them in Meta's envelope, `signed(delivery)` gives the raw body and
the headers. `WhatsAppCustomer` wraps that into a person who writes to the shop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from core.clock import Clock

VERSION = "v23.0"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE = "77270001122"
TOKEN = "EAAG-sauda-test-token-0001"
APP_SECRET = "sauda-test-app-secret"
WABA_ID = "102290129340398"

ERROR_TITLES = {
    4: "Application request limit reached",
    100: "Invalid parameter",
    131000: "Something went wrong",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    130429: "Rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    190: "Invalid OAuth access token - Cannot parse access token",
}
ERROR_DETAILS = {
    130429: "Cloud API message throughput has been reached.",
    131056: "Too many messages sent from this phone number to the same phone number in a "
    "short period of time.",
    131047: "Message failed to send because more than 24 hours have passed since the "
    "customer last replied to this number.",
    131026: "Message failed to send because the recipient is not a WhatsApp user or has not "
    "accepted the latest Terms of Service.",
    131000: "Something went wrong.",
    131016: "A service is temporarily unavailable.",
}
# The HTTP status Meta's error-code reference gives for each code.
ERROR_STATUS = {190: 401, 132001: 404, 131000: 500, 131016: 503}
FREE_FORM = {"text", "interactive", "image", "location", "contacts", "document", "audio"}


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    """The `X-Hub-Signature-256` header Meta sends with `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class GraphCall:
    """One Graph API request as the server saw it, and how it answered."""

    method: str
    path: str
    phone_number_id: str = ""
    token: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    answer: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def is_message(self) -> bool:
        return self.method == "POST" and self.path.endswith("/messages")

    @property
    def to(self) -> str:
        return str(self.body.get("to", ""))

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))

    @property
    def interactive(self) -> dict[str, Any]:
        return dict(self.body.get("interactive") or {})

    @property
    def text(self) -> str:
        """What the person reads first: a text's body, an interactive body, a caption."""
        kind = self.type
        if kind == "text":
            return str(self.body["text"].get("body", ""))
        if kind == "interactive":
            return str((self.interactive.get("body") or {}).get("text", ""))
        if kind == "image":
            return str(self.body["image"].get("caption", ""))
        return ""

    @property
    def message_id(self) -> str:
        if not self.ok or not isinstance(self.answer, dict):
            return ""
        return str((self.answer.get("messages") or [{}])[0].get("id", ""))

    @property
    def error_code(self) -> int | None:
        if self.ok or not isinstance(self.answer, dict):
            return None
        return int(self.answer["error"]["code"])

    def buttons(self) -> list[dict[str, str]]:
        """Reply buttons ({"id", "title"}) of an interactive button message."""
        action = self.interactive.get("action") or {}
        return [dict(b["reply"]) for b in action.get("buttons") or []]

    def rows(self) -> list[dict[str, str]]:
        """Every row ({"id", "title", ...}) of a list message, section after section."""
        action = self.interactive.get("action") or {}
        return [dict(row) for s in action.get("sections") or [] for row in s.get("rows") or []]

    def choices(self) -> list[dict[str, str]]:
        """What the person can press: reply buttons or list rows."""
        return self.buttons() or self.rows()

    def titles(self) -> list[str]:
        return [choice["title"] for choice in self.choices()]

    @property
    def template(self) -> dict[str, Any]:
        return dict(self.body.get("template") or {})


@dataclass
class _Failure:
    code: int
    status: int
    to: str | None
    times: int
    path: str
    message: str
    details: str


class _Refused(Exception):
    def __init__(self, code: int, details: str = "", status: int | None = None) -> None:
        super().__init__(details)
        self.code = code
        self.details = details
        self.status = status or ERROR_STATUS.get(code, 400)


def _error_body(code: int, message: str | None = None, details: str = "") -> dict[str, Any]:
    title = message or ERROR_TITLES.get(code, "Error")
    error: dict[str, Any] = {
        "message": f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + secrets.token_urlsafe(16),
    }
    if code != 190:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details or title}
    return {"error": error}


def _length(value: Any, *, at_most: int, at_least: int = 0, what: str) -> str:
    if value is None and at_least:
        raise _Refused(131009, f"{what} is required. Min length: {at_least}")
    if not isinstance(value, str):
        raise _Refused(100, f"Param {what} must be a string.")
    if len(value) < at_least:
        raise _Refused(131009, f"{what} is required. Min length: {at_least}")
    if len(value) > at_most:
        raise _Refused(131009, f"{what} length is too long. Max length: {at_most}")
    return value


class FakeGraph:
    """The Graph API endpoints of WhatsApp Cloud, as Meta answers them, call by call."""

    def __init__(
        self,
        *,
        version: str = VERSION,
        app_secret: str = APP_SECRET,
        clock: Clock | None = None,
        enforce_window: bool = False,
    ) -> None:
        self.version = version
        self.app_secret = app_secret
        self.clock = clock
        self.enforce_window = enforce_window
        self.numbers: dict[str, dict[str, str]] = {}
        self.calls: list[GraphCall] = []
        # (name, language code) -> {"params": body parameter count, "quick_replies": n}
        self.templates: dict[tuple[str, str], dict[str, int]] = {}
        # media id -> (content, mime type, uploaded by phone number id or "" for customers)
        self.media: dict[str, tuple[bytes, str, str]] = {}
        # wa_id -> the newest `timestamp` of a message built for that customer
        self.last_inbound: dict[str, int] = {}
        self._failures: list[_Failure] = []
        self._media_ids = itertools.count(880_000_000_000_001)
        self._call_arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- server ------------------------------------------------------------------------

    async def start(self) -> FakeGraph:
        app = web.Application(client_max_size=100 * 1024 * 1024)
        app.router.add_get("/whatsapp_business/attachments/", self._download)
        app.router.add_post("/{version}/{phone_number_id}/messages", self._messages)
        app.router.add_post("/{version}/{phone_number_id}/media", self._upload)
        app.router.add_get("/{version}/{media_id}", self._media_info)
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

    async def __aenter__(self) -> FakeGraph:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def add_number(
        self, phone_number_id: str = PHONE_NUMBER_ID, token: str = TOKEN, display: str = ""
    ) -> None:
        self.numbers[phone_number_id] = {"token": token, "display": display or DISPLAY_PHONE}

    def add_template(
        self, name: str, language: str, *, params: int = 0, quick_replies: int = 0
    ) -> None:
        """An approved template: how many body parameters and quick-reply buttons it has."""
        self.templates[(name, language)] = {"params": params, "quick_replies": quick_replies}

    def _record(self, call: GraphCall, status: int, answer: Any) -> web.Response:
        call.status = status
        call.answer = answer
        self.calls.append(call)
        self._call_arrived.set()
        return web.json_response(answer, status=status)

    def _refuse(self, call: GraphCall, refused: _Refused) -> web.Response:
        return self._record(
            call, refused.status, _error_body(refused.code, details=refused.details)
        )

    @staticmethod
    def _bearer(request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        return header[7:].strip() if header[:7].lower() == "bearer " else ""

    def _check_number(self, call: GraphCall, phone_number_id: str) -> None:
        if not re.fullmatch(r"v\d+\.\d+", call.path.split("/")[1]):
            raise _Refused(100, "Unknown path components: not a Graph API version")
        number = self.numbers.get(phone_number_id)
        if number is None:
            if not any(n["token"] == call.token for n in self.numbers.values()):
                raise _Refused(190, status=401)
            raise _Refused(
                100,
                f"Unsupported post request. Object with ID '{phone_number_id}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation.",
            )
        if call.token != number["token"]:
            raise _Refused(190, status=401)

    # --- messages ------------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        phone_number_id = request.match_info["phone_number_id"]
        call = GraphCall(
            method="POST",
            path=request.path,
            phone_number_id=phone_number_id,
            token=self._bearer(request),
        )
        try:
            self._check_number(call, phone_number_id)
            try:
                body = await request.json()
            except ValueError:
                raise _Refused(100, "The request body is not JSON") from None
            if not isinstance(body, dict):
                raise _Refused(100, "The request body is not a JSON object")
            call.body = body
            self._validate_message(body)
            failure = self._take_failure("messages", call.to)
            if failure is not None:
                return self._record(
                    call,
                    failure.status,
                    _error_body(failure.code, failure.message or None, failure.details),
                )
            if self._window_closed(call):
                raise _Refused(131047, ERROR_DETAILS[131047])
        except _Refused as refused:
            return self._refuse(call, refused)
        to = call.to
        wa_id = to.lstrip("+")
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [{"id": "wamid." + secrets.token_urlsafe(36)}],
        }
        if call.type == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return self._record(call, 200, answer)

    def _window_closed(self, call: GraphCall) -> bool:
        if not self.enforce_window or self.clock is None or call.type not in FREE_FORM:
            return False
        last = self.last_inbound.get(call.to.lstrip("+"))
        if last is None:
            return True
        return self.clock.now().timestamp() - last >= 24 * 3600

    def _validate_message(self, body: dict[str, Any]) -> None:
        if body.get("messaging_product") != "whatsapp":
            raise _Refused(100, "The parameter messaging_product is required.")
        to = body.get("to")
        if not isinstance(to, str) or not to.lstrip("+").isdigit():
            raise _Refused(100, "The parameter to is required and must be a phone number.")
        kind = body.get("type", "text")
        content = body.get(kind)
        if not isinstance(content, dict):
            raise _Refused(100, f"The parameter {kind} is required.")
        if kind == "text":
            _length(content.get("body"), at_least=1, at_most=4096, what="text['body']")
        elif kind == "interactive":
            self._validate_interactive(content)
        elif kind == "image":
            self._validate_image(content, what="image")
        elif kind == "template":
            self._validate_template(content)
        elif kind == "location":
            for name in ("latitude", "longitude"):
                if not isinstance(content.get(name), int | float | str):
                    raise _Refused(100, f"The parameter location['{name}'] is required.")
        else:
            raise _Refused(131051, f"Unsupported message type: {kind}")

    def _validate_image(self, content: dict[str, Any], *, what: str) -> None:
        link, media_id = content.get("link"), content.get("id")
        if bool(link) == bool(media_id):
            raise _Refused(100, f"Param {what} must have exactly one of link or id.")
        if media_id and str(media_id) not in self.media:
            raise _Refused(131053, f"Media id {media_id} was not found.")
        if link and not str(link).startswith(("https://", "http://")):
            raise _Refused(131009, f"{what}['link'] is not a valid URL.")
        if "caption" in content:
            _length(content["caption"], at_most=1024, what=f"{what}['caption']")

    def _validate_interactive(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        body = content.get("body") or {}
        _length(body.get("text"), at_least=1, at_most=1024, what="interactive['body']['text']")
        if "footer" in content:
            _length(
                (content["footer"] or {}).get("text"),
                at_least=1,
                at_most=60,
                what="interactive['footer']['text']",
            )
        header = content.get("header")
        action = content.get("action") or {}
        if kind == "button":
            if header is not None:
                header_type = header.get("type")
                if header_type == "text":
                    _length(header.get("text"), at_least=1, at_most=60, what="header['text']")
                elif header_type == "image":
                    self._validate_image(header.get("image") or {}, what="header['image']")
                else:
                    raise _Refused(131009, f"Header type {header_type} is not supported")
            buttons = action.get("buttons")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
                raise _Refused(131009, "Number of buttons should be between 1 and 3 (inclusive).")
            ids, titles = set(), set()
            for index, item in enumerate(buttons):
                if item.get("type") != "reply":
                    raise _Refused(131009, f"buttons[{index}]['type'] must be reply")
                reply = item.get("reply") or {}
                button_id = _length(
                    reply.get("id"), at_least=1, at_most=256, what=f"buttons[{index}]['id']"
                )
                title = _length(reply.get("title"), at_least=1, at_most=20, what="Button title")
                if button_id in ids:
                    raise _Refused(131009, "Button IDs must be unique.")
                if title in titles:
                    raise _Refused(131009, "Button titles must be unique.")
                ids.add(button_id)
                titles.add(title)
        elif kind == "list":
            if header is not None:
                if header.get("type") != "text":
                    raise _Refused(131009, "A list's header must be of type text.")
                _length(header.get("text"), at_least=1, at_most=60, what="header['text']")
            _length(action.get("button"), at_least=1, at_most=20, what="action['button']")
            sections = action.get("sections")
            if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
                raise _Refused(131009, "Number of sections should be between 1 and 10.")
            total = 0
            row_ids: set[str] = set()
            for s_index, section in enumerate(sections):
                if "title" in section or len(sections) > 1:
                    _length(
                        section.get("title"),
                        at_least=1,
                        at_most=24,
                        what=f"sections[{s_index}]['title']",
                    )
                rows = section.get("rows")
                if not isinstance(rows, list) or not rows:
                    raise _Refused(131009, f"sections[{s_index}] needs at least one row.")
                total += len(rows)
                for r_index, row in enumerate(rows):
                    where = f"sections[{s_index}]['rows'][{r_index}]"
                    row_id = _length(row.get("id"), at_least=1, at_most=200, what=f"{where}['id']")
                    _length(row.get("title"), at_least=1, at_most=24, what="Row title")
                    if "description" in row:
                        _length(row["description"], at_most=72, what=f"{where}['description']")
                    if row_id in row_ids:
                        raise _Refused(131009, "Row IDs must be unique.")
                    row_ids.add(row_id)
            if total > 10:
                raise _Refused(131009, "Total row count exceed max allowed count: 10")
        elif kind == "location_request_message":
            if header is not None:
                raise _Refused(131009, "A location request has no header.")
            if action.get("name") != "send_location":
                raise _Refused(131009, "action['name'] must be send_location")
        else:
            raise _Refused(131009, f"Interactive type {kind} is not supported here.")

    def _validate_template(self, content: dict[str, Any]) -> None:
        name = content.get("name")
        language = (content.get("language") or {}).get("code")
        if not name or not language:
            raise _Refused(100, "Template name and language code are required.")
        known = self.templates.get((str(name), str(language)))
        if known is None:
            raise _Refused(
                132001,
                f"template name ({name}) does not exist in {language}",
                status=404,
            )
        params = 0
        quick = 0
        for component in content.get("components") or []:
            kind = component.get("type")
            if kind == "body":
                for parameter in component.get("parameters") or []:
                    if parameter.get("type") != "text" or not parameter.get("text"):
                        raise _Refused(131009, "Body parameters must be non-empty text.")
                    params += 1
            elif kind == "button":
                if component.get("sub_type") != "quick_reply":
                    raise _Refused(131009, "Only quick_reply buttons are known here.")
                payloads = component.get("parameters") or []
                if len(payloads) != 1 or payloads[0].get("type") != "payload":
                    raise _Refused(131009, "A quick reply carries one payload parameter.")
                _length(payloads[0].get("payload"), at_least=1, at_most=256, what="payload")
                quick += 1
        if params != known["params"]:
            raise _Refused(
                132000,
                f"body: number of localizable_params ({params}) does not match the "
                f"expected number of params ({known['params']})",
            )
        if quick > known["quick_replies"]:
            raise _Refused(131009, "The template has fewer quick reply buttons.")

    # --- media ---------------------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        phone_number_id = request.match_info["phone_number_id"]
        call = GraphCall(
            method="POST",
            path=request.path,
            phone_number_id=phone_number_id,
            token=self._bearer(request),
        )
        try:
            self._check_number(call, phone_number_id)
            if not request.content_type.startswith("multipart/"):
                raise _Refused(100, "Media uploads are multipart/form-data.")
            reader = await request.multipart()
            mime = ""
            async for part in reader:
                name = part.name or ""
                if part.filename:  # type: ignore[union-attr]
                    call.files[name] = bytes(await part.read())  # type: ignore[union-attr]
                    mime = part.headers.get("Content-Type", "")
                else:
                    call.form[name] = await part.text()  # type: ignore[union-attr]
            if call.form.get("messaging_product") != "whatsapp":
                raise _Refused(100, "The parameter messaging_product is required.")
            content = call.files.get("file")
            if not content:
                raise _Refused(100, "The parameter file is required.")
            mime = call.form.get("type") or mime
            if mime not in ("image/jpeg", "image/png"):
                raise _Refused(131053, f"Unsupported image type {mime}")
            if len(content) > 5 * 1024 * 1024:
                raise _Refused(131053, "Images are at most 5 MB.")
            failure = self._take_failure("media", None)
            if failure is not None:
                return self._record(call, failure.status, _error_body(failure.code))
        except _Refused as refused:
            return self._refuse(call, refused)
        media_id = str(next(self._media_ids))
        self.media[media_id] = (content, mime, phone_number_id)
        return self._record(call, 200, {"id": media_id})

    def add_media(self, content: bytes, mime: str = "image/jpeg") -> str:
        """Store a file as if a customer had sent it; returns its media id."""
        media_id = str(next(self._media_ids))
        self.media[media_id] = (content, mime, "")
        return media_id

    async def _media_info(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        call = GraphCall(method="GET", path=request.path, token=self._bearer(request))
        if not any(n["token"] == call.token for n in self.numbers.values()):
            return self._refuse(call, _Refused(190, status=401))
        stored = self.media.get(media_id)
        if stored is None:
            return self._refuse(
                call,
                _Refused(
                    100, f"Unsupported get request. Object with ID '{media_id}' does not exist"
                ),
            )
        content, mime, _ = stored
        answer = {
            "messaging_product": "whatsapp",
            "url": f"{self.base_url}/whatsapp_business/attachments/?mid={media_id}"
            f"&ext={int(time.time())}&hash=ATu{secrets.token_hex(8)}",
            "mime_type": mime,
            "sha256": hashlib.sha256(content).hexdigest(),
            "file_size": len(content),
            "id": media_id,
        }
        return self._record(call, 200, answer)

    async def _download(self, request: web.Request) -> web.Response:
        call = GraphCall(method="GET", path=request.path, token=self._bearer(request))
        if not any(n["token"] == call.token for n in self.numbers.values()):
            call.status = 401
            self.calls.append(call)
            return web.Response(status=401)
        stored = self.media.get(request.query.get("mid", ""))
        if stored is None:
            call.status = 404
            self.calls.append(call)
            return web.Response(status=404)
        self.calls.append(call)
        return web.Response(body=stored[0], content_type=stored[1])

    # --- failures ------------------------------------------------------------------------

    def fail(
        self,
        *,
        code: int,
        to: str | None = None,
        times: int = 1,
        status: int | None = None,
        path: str = "messages",
        message: str = "",
        details: str = "",
    ) -> None:
        """The next `times` calls to `path` ("messages" or "media"; to `to`, if given)
        answer Meta's error `code`."""
        self._failures.append(
            _Failure(
                code=code,
                status=status or ERROR_STATUS.get(code, 400),
                to=to.lstrip("+") if to else None,
                times=times,
                path=path,
                message=message,
                details=details or ERROR_DETAILS.get(code, ""),
            )
        )

    def _take_failure(self, path: str, to: str | None) -> _Failure | None:
        for failure in self._failures:
            if failure.path != path or failure.times <= 0:
                continue
            if failure.to is not None and failure.to != (to or "").lstrip("+"):
                continue
            failure.times -= 1
            if failure.times == 0:
                self._failures.remove(failure)
            return failure
        return None

    # --- what was recorded ---------------------------------------------------------------

    def messages(self, *, to: str | None = None, ok: bool | None = True) -> list[GraphCall]:
        """Message calls (to `to`), in order; successful ones unless `ok` says otherwise."""
        return [
            c
            for c in self.calls
            if c.is_message
            and (ok is None or c.ok is ok)
            and (to is None or c.to.lstrip("+") == to.lstrip("+"))
        ]

    def texts(self, to: str | None = None) -> list[str]:
        return [c.text for c in self.messages(to=to)]

    def last(self, to: str) -> GraphCall:
        sent = self.messages(to=to)
        if not sent:
            raise AssertionError(f"nothing was sent to {to}")
        return sent[-1]

    def uploads(self) -> list[GraphCall]:
        return [c for c in self.calls if c.method == "POST" and c.path.endswith("/media")]

    def clear(self) -> None:
        self.calls.clear()

    async def wait_for(
        self, predicate: Callable[[GraphCall], bool], *, within: float = 10.0
    ) -> GraphCall:
        async def first() -> GraphCall:
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                self._call_arrived.clear()
                await self._call_arrived.wait()

        return await asyncio.wait_for(first(), within)

    # --- webhook deliveries (what Meta POSTs to us) -------------------------------------

    def _timestamp(self, at: datetime | int | None) -> int:
        if isinstance(at, int):
            return at
        if isinstance(at, datetime):
            return int(at.timestamp())
        if self.clock is not None:
            return int(self.clock.now().timestamp())
        return int(time.time())

    def _message(
        self, wa_id: str, kind: str, content: dict[str, Any], *, at: Any, message_id: str | None
    ) -> dict[str, Any]:
        timestamp = self._timestamp(at)
        self.last_inbound[wa_id] = max(self.last_inbound.get(wa_id, 0), timestamp)
        return {
            "from": wa_id,
            "id": message_id or "wamid." + secrets.token_urlsafe(36),
            "timestamp": str(timestamp),
            "type": kind,
            **content,
        }

    def text(
        self, wa_id: str, body: str, *, at: Any = None, message_id: str | None = None
    ) -> dict[str, Any]:
        return self._message(wa_id, "text", {"text": {"body": body}}, at=at, message_id=message_id)

    def button_reply(
        self,
        wa_id: str,
        button_id: str,
        title: str,
        *,
        context: str = "",
        at: Any = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A press on one of our reply buttons (`context` = the id of our message)."""
        content: dict[str, Any] = {
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": button_id, "title": title},
            }
        }
        if context:
            content["context"] = {"from": DISPLAY_PHONE, "id": context}
        return self._message(wa_id, "interactive", content, at=at, message_id=message_id)

    def list_reply(
        self,
        wa_id: str,
        row_id: str,
        title: str,
        *,
        description: str = "",
        context: str = "",
        at: Any = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        reply: dict[str, str] = {"id": row_id, "title": title}
        if description:
            reply["description"] = description
        content: dict[str, Any] = {"interactive": {"type": "list_reply", "list_reply": reply}}
        if context:
            content["context"] = {"from": DISPLAY_PHONE, "id": context}
        return self._message(wa_id, "interactive", content, at=at, message_id=message_id)

    def quick_reply(
        self,
        wa_id: str,
        payload: str,
        text: str,
        *,
        context: str = "",
        at: Any = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A press on a template's quick-reply button (Meta's message type `button`)."""
        content: dict[str, Any] = {"button": {"payload": payload, "text": text}}
        if context:
            content["context"] = {"from": DISPLAY_PHONE, "id": context}
        return self._message(wa_id, "button", content, at=at, message_id=message_id)

    def location(
        self,
        wa_id: str,
        latitude: float,
        longitude: float,
        *,
        name: str = "",
        address: str = "",
        at: Any = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        place: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            place["name"] = name
        if address:
            place["address"] = address
        return self._message(wa_id, "location", {"location": place}, at=at, message_id=message_id)

    def image(
        self,
        wa_id: str,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg",
        *,
        caption: str = "",
        mime: str = "image/jpeg",
        at: Any = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A photo the customer sends; its media is stored here for download."""
        media_id = self.add_media(content, mime)
        image: dict[str, Any] = {
            "mime_type": mime,
            "sha256": hashlib.sha256(content).hexdigest(),
            "id": media_id,
        }
        if caption:
            image["caption"] = caption
        return self._message(wa_id, "image", {"image": image}, at=at, message_id=message_id)

    def contacts(
        self,
        wa_id: str,
        phone: str,
        *,
        name: str = "Aliya",
        contact_wa_id: str | None = None,
        at: Any = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        """A shared contact card (a recipient's number, say)."""
        entry: dict[str, Any] = {
            "name": {"first_name": name, "formatted_name": name},
            "phones": [{"phone": phone, "type": "CELL"}],
        }
        if contact_wa_id:
            entry["phones"][0]["wa_id"] = contact_wa_id
        return self._message(wa_id, "contacts", {"contacts": [entry]}, at=at, message_id=message_id)

    def status_update(
        self,
        message_id: str,
        status: str,
        *,
        wa_id: str,
        at: Any = None,
        error_code: int | None = None,
    ) -> dict[str, Any]:
        """A status callback of one of our messages: sent, delivered, read or failed."""
        update: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": str(self._timestamp(at)),
            "recipient_id": wa_id,
        }
        if status in ("sent", "delivered", "read"):
            update["conversation"] = {
                "id": secrets.token_hex(16),
                "origin": {"type": "service"},
            }
            update["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
        if status == "failed":
            code = error_code or 131026
            title = ERROR_TITLES.get(code, "Error")
            update["errors"] = [
                {
                    "code": code,
                    "title": title,
                    "message": title,
                    "error_data": {"details": ERROR_DETAILS.get(code, title)},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                }
            ]
        return update

    def delivery(
        self,
        *,
        messages: Sequence[dict[str, Any]] = (),
        statuses: Sequence[dict[str, Any]] = (),
        phone_number_id: str = PHONE_NUMBER_ID,
        names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Meta's envelope around messages (with their senders' profiles) and statuses."""
        value: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.numbers.get(phone_number_id, {}).get(
                    "display", DISPLAY_PHONE
                ),
                "phone_number_id": phone_number_id,
            },
        }
        if messages:
            senders = dict.fromkeys(m["from"] for m in messages)
            value["contacts"] = [
                {"profile": {"name": (names or {}).get(wa_id, "Aru")}, "wa_id": wa_id}
                for wa_id in senders
            ]
            value["messages"] = list(messages)
        if statuses:
            value["statuses"] = list(statuses)
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
        }

    def signed(
        self, delivery: dict[str, Any], *, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers Meta would POST (signed with the app secret)."""
        raw = json.dumps(delivery, ensure_ascii=False, separators=(",", ":")).encode()
        return raw, {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature(raw, secret or self.app_secret),
            "User-Agent": "facebookexternalua",
        }


Post = Callable[[bytes, dict[str, str]], Awaitable[Any]]


class WhatsAppCustomer:
    """A person writing to the shop's number: builds Meta's signed deliveries and posts
    them with `post(raw_body, headers)` (e.g. to the webhook over HTTP)."""

    def __init__(
        self,
        fake: FakeGraph,
        post: Post,
        *,
        wa_id: str = "77011234567",
        name: str = "Aru",
        phone_number_id: str = PHONE_NUMBER_ID,
    ) -> None:
        self.fake = fake
        self.post = post
        self.wa_id = wa_id
        self.name = name
        self.phone_number_id = phone_number_id

    async def deliver(self, *messages: dict[str, Any]) -> Any:
        delivery = self.fake.delivery(
            messages=list(messages),
            phone_number_id=self.phone_number_id,
            names={self.wa_id: self.name},
        )
        raw, headers = self.fake.signed(delivery)
        return await self.post(raw, headers)

    async def send(self, text: str, *, at: Any = None) -> Any:
        return await self.deliver(self.fake.text(self.wa_id, text, at=at))

    async def press(self, title: str, *, at: Any = None) -> Any:
        """Press the reply button or pick the list row titled `title` of the newest
        message we received that has one."""
        for call in reversed(self.fake.messages(to=self.wa_id)):
            for button in call.buttons():
                if button["title"] == title:
                    return await self.deliver(
                        self.fake.button_reply(
                            self.wa_id, button["id"], title, context=call.message_id, at=at
                        )
                    )
            for row in call.rows():
                if row["title"] == title:
                    return await self.deliver(
                        self.fake.list_reply(
                            self.wa_id, row["id"], title, context=call.message_id, at=at
                        )
                    )
        raise AssertionError(f"no button or row {title!r} in messages to {self.wa_id}")

    async def press_quick_reply(
        self, text: str = "Order again", *, index: int = 0, at: Any = None
    ) -> Any:
        """Press quick-reply button `index` of the newest template we received (`text` is
        the button's label as the approved template shows it)."""
        for call in reversed(self.fake.messages(to=self.wa_id)):
            buttons = [
                c
                for c in call.template.get("components") or []
                if c.get("sub_type") == "quick_reply"
            ]
            if len(buttons) > index:
                payload = buttons[index]["parameters"][0]["payload"]
                return await self.deliver(
                    self.fake.quick_reply(self.wa_id, payload, text, context=call.message_id, at=at)
                )
        raise AssertionError(f"no template with a quick reply was sent to {self.wa_id}")

    async def send_location(self, latitude: float, longitude: float, *, at: Any = None) -> Any:
        return await self.deliver(self.fake.location(self.wa_id, latitude, longitude, at=at))

    async def send_photo(self, content: bytes = b"\xff\xd8fake-jpeg", *, at: Any = None) -> Any:
        return await self.deliver(self.fake.image(self.wa_id, content, at=at))

    def last(self) -> GraphCall:
        return self.fake.last(self.wa_id)


def hours_ago(clock: Clock, hours: float) -> datetime:
    return clock.now() - timedelta(hours=hours)
