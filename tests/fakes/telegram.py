"""A fake Telegram Bot API server on loopback, for the real aiogram `Bot` to talk to.

Point the bot at it with `TELEGRAM_API_BASE=fake.base_url` (aiogram's
`TelegramAPIServer.from_base`); every call travels over real HTTP as multipart form
data, exactly as it would to api.telegram.org.

    fake = await FakeTelegram().start()
    ...                                   # run the bot against fake.base_url
    fake.calls_of("sendMessage")          # every recorded call (method, params, files)
    fake.texts(chat_id)                   # what a chat received, in order
    fake.fail("sendMessage", retry_after=3)  # the next sendMessage answers 429
    await fake.close()

Updates for `dp.feed_update`, the webhook route or polling (`fake.queue(update)` feeds
`getUpdates`) are built here too, so message ids, callback queries pressed on a sent
message and uploaded files all line up with what the server recorded. `TelegramUser`
wraps that into a person: `await user.send("/start")`, `await user.press("Catalog")`.

Answers are realistic: message ids increase, editing a message that does not exist or
without a change is a 400, a wrong token is a 401, files uploaded with sendPhoto can be
fetched back with getFile and the file URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiogram.types import Update
from aiohttp import web

DEFAULT_TOKEN = "123456789:AAF-sauda-test-token"


def _public(url: str) -> bool:
    """Whether Telegram could fetch `url`: not this machine nor a private network."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global


_INT_PARAMS = {
    "chat_id",
    "from_chat_id",
    "message_id",
    "reply_to_message_id",
    "offset",
    "limit",
    "timeout",
    "user_id",
    "cache_time",
    "max_connections",
    "message_thread_id",
}
_BOOL_PARAMS = {
    "show_alert",
    "disable_notification",
    "protect_content",
    "drop_pending_updates",
    "disable_web_page_preview",
    "is_personal",
}


@dataclass
class Call:
    """One Bot API request as the server saw it, and how it answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        media = self.params.get("media")
        caption = media.get("caption") if isinstance(media, dict) else None
        return self.params.get("text") or self.params.get("caption") or caption

    def buttons(self) -> list[dict[str, Any]]:
        """Every button of the call's keyboard (inline or reply), row by row, flattened."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button for row in rows for button in row]

    def button_texts(self) -> list[str]:
        return [button["text"] for button in self.buttons()]


@dataclass
class _Failure:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    chat_id: Any
    times: int


def _decode(key: str, value: str) -> Any:
    if key in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            return value
    if key in _BOOL_PARAMS:
        return value.lower() == "true"
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeTelegram:
    """The Bot API as Telegram answers it, recorded call by call."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "sauda_test_bot",
        bot_name: str = "Sauda",
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        # (chat_id, message_id) -> the message as Telegram stores it (sent by the bot).
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.webhook: dict[str, Any] = {}
        self._failures: list[_Failure] = []
        self._message_ids = itertools.count(1001)
        self._update_ids = itertools.count(700_000_001)
        self._pending_updates: list[dict[str, Any]] = []
        self._update_arrived = asyncio.Event()
        self._call_arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- server ------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        self._update_arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                name = part.name or ""
                if part.filename:  # type: ignore[union-attr]
                    files[name] = bytes(await part.read())  # type: ignore[union-attr]
                else:
                    params[name] = _decode(name, await part.text())  # type: ignore[union-attr]
        elif request.content_type == "application/json":
            params = dict(await request.json())
        else:
            form = await request.post()
            params = {k: _decode(k, str(v)) for k, v in form.items()}
        call = Call(method=method, params=params, files=files)
        self.calls.append(call)
        self._call_arrived.set()
        failure = self._take_failure(method, params.get("chat_id"))
        if failure is not None:
            call.status = failure.error_code
            parameters = {"retry_after": failure.retry_after} if failure.retry_after else None
            return self._error(failure.error_code, failure.description, parameters)
        handler = getattr(self, "_m_" + method.lower(), None)
        if handler is None:
            result: Any = self._generic(method, params, files)
        else:
            result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
        if isinstance(result, _ApiError):
            call.status = result.code
            return self._error(result.code, result.description)
        call.result = result
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(
        code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        file_id = path.rsplit("/", 1)[-1]
        content = self.files.get(file_id)
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    # --- failures ----------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        retry_after: int | None = None,
        error_code: int | None = None,
        description: str | None = None,
        chat_id: Any = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` (to `chat_id`, if given) fail.

        With `retry_after` the answer is Telegram's 429 flood-wait.
        """
        code = error_code or (429 if retry_after else 400)
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if code == 429
                else "Bad Request: injected failure"
            )
        self._failures.append(_Failure(method, code, description, retry_after, chat_id, times))

    def _take_failure(self, method: str, chat_id: Any) -> _Failure | None:
        for failure in self._failures:
            if failure.method != method or failure.times <= 0:
                continue
            if failure.chat_id is not None and failure.chat_id != chat_id:
                continue
            failure.times -= 1
            if failure.times == 0:
                self._failures.remove(failure)
            return failure
        return None

    # --- what was recorded -------------------------------------------------------------

    def calls_of(self, method: str, *, ok: bool | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok is ok)]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage/sendPhoto/... calls (to `chat_id`), in order."""
        return [
            c
            for c in self.calls
            if c.ok
            and c.method.startswith("send")
            and c.method != "sendChatAction"
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts and captions a chat received (sent and edited), in order."""
        return [
            c.text
            for c in self.calls
            if c.ok
            and c.text is not None
            and (c.method.startswith("send") or c.method.startswith("edit"))
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def last(self, chat_id: int) -> Call:
        """The last successful send or edit in a chat."""
        for call in reversed(self.calls):
            if (
                call.ok
                and call.chat_id == chat_id
                and (call.method.startswith("send") or call.method.startswith("edit"))
                and call.method != "sendChatAction"
            ):
                return call
        raise AssertionError(f"nothing was sent to chat {chat_id}")

    def clear(self) -> None:
        self.calls.clear()

    async def wait_for(self, predicate: Callable[[Call], bool], *, within: float = 10.0) -> Call:
        """The first recorded call matching `predicate`, waiting for it to arrive (for a
        bot running on its own, e.g. polling)."""

        async def first() -> Call:
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                self._call_arrived.clear()
                await self._call_arrived.wait()

        return await asyncio.wait_for(first(), within)

    # --- method handlers ----------------------------------------------------------------

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        if str(chat_id).startswith("-100"):
            return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}

    def _new_message(self, chat_id: Any, **content: Any) -> dict[str, Any] | _ApiError:
        if not isinstance(chat_id, int):
            return _ApiError(400, "Bad Request: chat not found")
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            return markup
        return None

    def _m_getme(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.bot_user

    def _m_sendmessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        text = params.get("text")
        if not text:
            return _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _ApiError(400, "Bad Request: message is too long")
        return self._new_message(
            params.get("chat_id"), text=text, reply_markup=self._inline_markup(params)
        )

    def _photo_sizes(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        photo = params.get("photo")
        if "photo" in files or (isinstance(photo, str) and photo.startswith("attach://")):
            content = files.get("photo") or files.get(str(photo).removeprefix("attach://"), b"")
            file_id = self.add_file(content)
        elif isinstance(photo, str) and photo.startswith(("http://", "https://")):
            if not _public(photo):
                # Telegram's servers fetch the address from the internet.
                return _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            file_id = self.add_file(b"")
        elif isinstance(photo, str) and photo:
            file_id = photo
        else:
            return _ApiError(400, "Bad Request: there is no photo in the request")
        return [
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id[-12:],
                "width": 1280,
                "height": 960,
                "file_size": len(self.files.get(file_id, b"")),
            }
        ]

    def _m_sendphoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        sizes = self._photo_sizes(params, files)
        if isinstance(sizes, _ApiError):
            return sizes
        caption = params.get("caption")
        if caption and len(caption) > 1024:
            return _ApiError(400, "Bad Request: message caption is too long")
        return self._new_message(
            params.get("chat_id"),
            photo=sizes,
            caption=caption,
            reply_markup=self._inline_markup(params),
        )

    def _m_sendlocation(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._new_message(
            params.get("chat_id"),
            location={
                "latitude": float(params.get("latitude", 0)),
                "longitude": float(params.get("longitude", 0)),
            },
        )

    def _stored(self, params: dict[str, Any]) -> dict[str, Any] | _ApiError:
        key = (params.get("chat_id"), params.get("message_id"))
        message = self.messages.get(key)  # type: ignore[arg-type]
        if message is None:
            return _ApiError(400, "Bad Request: message to edit not found")
        return message

    def _m_editmessagetext(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        if isinstance(message, _ApiError):
            return message
        if "text" not in message:
            return _ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = self._inline_markup(params)
        if message.get("text") == params.get("text") and message.get("reply_markup") == markup:
            return _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        message["text"] = params.get("text")
        message["edit_date"] = int(time.time())
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return message

    def _m_editmessagecaption(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        if isinstance(message, _ApiError):
            return message
        markup = self._inline_markup(params)
        if (
            message.get("caption") == params.get("caption")
            and message.get("reply_markup") == markup
        ):
            return _ApiError(400, "Bad Request: message is not modified")
        message["caption"] = params.get("caption")
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return message

    def _m_editmessagemedia(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        if isinstance(message, _ApiError):
            return message
        if not any(kind in message for kind in ("photo", "video", "document", "animation")):
            return _ApiError(400, "Bad Request: there is no media in the message to edit")
        media = params.get("media")
        if not isinstance(media, dict) or media.get("type") != "photo":
            return _ApiError(400, "Bad Request: can't parse InputMedia: photo expected")
        sizes = self._photo_sizes({"photo": media.get("media")}, files)
        if isinstance(sizes, _ApiError):
            return sizes
        caption = media.get("caption")
        if caption and len(caption) > 1024:
            return _ApiError(400, "Bad Request: message caption is too long")
        markup = self._inline_markup(params)
        same_photo = media.get("media") == (message["photo"] or [{}])[0].get("file_id")
        if (
            same_photo
            and message.get("caption") == caption
            and message.get("reply_markup") == markup
        ):
            return _ApiError(400, "Bad Request: message is not modified")
        message["photo"] = sizes
        message["edit_date"] = int(time.time())
        for key, value in (("caption", caption), ("reply_markup", markup)):
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        return message

    def _m_editmessagereplymarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        message = self._stored(params)
        if isinstance(message, _ApiError):
            return message
        markup = self._inline_markup(params)
        if message.get("reply_markup") == markup:
            return _ApiError(400, "Bad Request: message is not modified")
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return message

    def _m_deletemessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        key = (params.get("chat_id"), params.get("message_id"))
        if self.messages.pop(key, None) is None:  # type: ignore[arg-type]
            return _ApiError(400, "Bad Request: message to delete not found")
        return True

    def _m_answercallbackquery(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if not params.get("callback_query_id"):
            return _ApiError(400, "Bad Request: query is too old and response timeout expired")
        return True

    def _m_getfile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            return _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": "u" + file_id[-12:],
            "file_size": len(self.files[file_id]),
            "file_path": f"photos/{file_id}",
        }

    def _m_setwebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = dict(params)
        return True

    def _m_deletewebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending_updates.clear()
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending_updates),
        }

    async def _m_getupdates(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        offset = params.get("offset")
        if isinstance(offset, int):
            self._pending_updates = [u for u in self._pending_updates if u["update_id"] >= offset]
        if not self._pending_updates:
            self._update_arrived.clear()
            timeout = min(float(params.get("timeout") or 0), 0.5)
            if timeout:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._update_arrived.wait(), timeout)
        return list(self._pending_updates[: int(params.get("limit") or 100)])

    def _generic(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method.startswith(("send", "copy", "forward")) and method != "sendChatAction":
            return self._new_message(params.get("chat_id"), text=params.get("text") or "…")
        return True

    # --- files -------------------------------------------------------------------------

    def add_file(self, content: bytes, file_id: str | None = None) -> str:
        """Store a file as if a user had uploaded it; returns its file_id."""
        file_id = file_id or "AgAC" + secrets.token_urlsafe(24)
        self.files[file_id] = content
        return file_id

    # --- updates -----------------------------------------------------------------------

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def queue(self, update: Update | dict[str, Any]) -> None:
        """Hand an update to the next getUpdates (polling)."""
        raw = (
            update.model_dump(mode="json", exclude_none=True)
            if isinstance(update, Update)
            else update
        )
        self._pending_updates.append(raw)
        self._update_arrived.set()

    @staticmethod
    def user_dict(
        user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username
        return user

    def message_update(
        self,
        user: dict[str, Any],
        *,
        chat: dict[str, Any] | None = None,
        text: str | None = None,
        **content: Any,
    ) -> Update:
        """An update carrying a message from `user` (in their private chat by default)."""
        chat = chat or {
            "id": user["id"],
            "type": "private",
            "first_name": user["first_name"],
        }
        message: dict[str, Any] = {
            "message_id": self.next_message_id(),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return Update.model_validate({"update_id": self.next_update_id(), "message": message})

    def callback_update(
        self, user: dict[str, Any], *, data: str, message: dict[str, Any]
    ) -> Update:
        """An update for a press on an inline button of a message the bot sent."""
        return Update.model_validate(
            {
                "update_id": self.next_update_id(),
                "callback_query": {
                    "id": secrets.token_hex(8),
                    "from": user,
                    "chat_instance": str(message["chat"]["id"]),
                    "message": message,
                    "data": data,
                },
            }
        )

    def find_button(
        self, chat_id: int, text: str, *, exact: bool = False
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The newest message in the chat with an inline button labelled `text` (or
        containing it unless `exact`), and that button."""
        for (cid, _), message in sorted(
            self.messages.items(), key=lambda item: item[0][1], reverse=True
        ):
            if cid != chat_id:
                continue
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for row in rows:
                for button in row:
                    label = button.get("text", "")
                    if label == text or (not exact and text in label):
                        return message, button
        raise AssertionError(f"no inline button {text!r} in chat {chat_id}")


@dataclass
class _ApiError:
    code: int
    description: str


Feed = Callable[[Update], Awaitable[Any]]


class TelegramUser:
    """A person talking to the bot: builds their updates and feeds them.

    `feed` pushes one update into the bot (e.g. `dp.feed_update` or the webhook route)
    and returns when it is handled.
    """

    def __init__(
        self,
        fake: FakeTelegram,
        feed: Feed,
        *,
        user_id: int,
        first_name: str = "Айгерим",
        language_code: str | None = "ru",
        username: str | None = None,
        phone: str = "+77011234567",
        chat: dict[str, Any] | None = None,
    ) -> None:
        self.fake = fake
        self.feed = feed
        self.id = user_id
        self.first_name = first_name
        self.phone = phone
        self.user = fake.user_dict(user_id, first_name, language_code, username)
        self.chat = chat
        self.chat_id = chat["id"] if chat else user_id

    async def send(self, text: str) -> Update:
        update = self.fake.message_update(self.user, chat=self.chat, text=text)
        await self.feed(update)
        return update

    async def press(self, text: str, *, exact: bool = False) -> Update:
        """Press the inline button labelled `text` on the newest message that has one."""
        message, button = self.fake.find_button(self.chat_id, text, exact=exact)
        if "callback_data" not in button:
            raise AssertionError(f"button {text!r} has no callback data: {button}")
        update = self.fake.callback_update(self.user, data=button["callback_data"], message=message)
        await self.feed(update)
        return update

    async def press_data(self, data: str) -> Update:
        """Send a callback with arbitrary data (a stale or forged button)."""
        message = next(
            (m for (cid, _), m in reversed(self.fake.messages.items()) if cid == self.chat_id),
            None,
        )
        if message is None:
            raise AssertionError(f"no message in chat {self.chat_id} to press on")
        update = self.fake.callback_update(self.user, data=data, message=message)
        await self.feed(update)
        return update

    async def share_contact(
        self, phone: str | None = None, *, own: bool = True, first_name: str | None = None
    ) -> Update:
        contact: dict[str, Any] = {
            "phone_number": (phone or self.phone).lstrip("+"),
            "first_name": first_name or self.first_name,
        }
        if own:
            contact["user_id"] = self.id
        update = self.fake.message_update(self.user, chat=self.chat, contact=contact)
        await self.feed(update)
        return update

    async def send_location(self, latitude: float, longitude: float) -> Update:
        update = self.fake.message_update(
            self.user,
            chat=self.chat,
            location={"latitude": latitude, "longitude": longitude},
        )
        await self.feed(update)
        return update

    async def send_photo(
        self, content: bytes = b"\xff\xd8fake-jpeg", caption: str | None = None
    ) -> Update:
        file_id = self.fake.add_file(content)
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id[-12:],
                "width": 1280,
                "height": 960,
                "file_size": len(content),
            }
        ]
        extra: dict[str, Any] = {"photo": photo}
        if caption:
            extra["caption"] = caption
        update = self.fake.message_update(self.user, chat=self.chat, **extra)
        await self.feed(update)
        return update

    def texts(self) -> list[str]:
        return self.fake.texts(self.chat_id)

    def last(self) -> Call:
        return self.fake.last(self.chat_id)

    @property
    def last_text(self) -> str:
        return self.last().text or ""
