"""Starting the bot inside `sauda serve`: polling by default, webhook when a URL is set.

`start_bot(runtime)` returns an async cleanup, or None when TELEGRAM_BOT_TOKEN is empty
(the bot is then not started; a log line says so).

Webhook mode (TELEGRAM_WEBHOOK_URL set) fails closed, unlike aiogram's stock handler:

- it refuses to start without TELEGRAM_WEBHOOK_SECRET;
- updates are received at the path of the webhook URL: the commerce contract's
  documented `POST /api/v1/webhooks/telegram` takes them through the receiver this
  module leaves in `runtime.extras[WEBHOOK_RECEIVER]` (errors in that contract's
  shape; without webhook mode it answers 404); any other path gets a route of its own
  (added to the API applications through `runtime.extras["app_hooks"]`). Either
  answers 401 to a missing or wrong `X-Telegram-Bot-Api-Secret-Token`, compared in
  constant time;
- the update is stored (a `TelegramUpdate` row) before the 200 goes back, then handled
  in the background; stored updates that were never handled are fed again at start and
  every `SWEEP_SECONDS`, so a crash after the acknowledgement loses nothing.

Polling stores each update the same way (`bot.updates.UpdateOnceMiddleware`), so the
same `update_id` takes effect once in either mode.

In the scaled topology (docker-compose.yml) the two halves run in different processes:
the API processes *receive* (`drive=False`: they serve the webhook route behind the load
balancer and handle what arrives there), the bot process *drives* (`receive=False`: it
registers the webhook, or polls when no webhook URL is set, and re-feeds stored updates
that a receiver never finished). One process does both by default.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.app import create_bot, create_dispatcher
from bot.updates import CLAIM_SECONDS, feed_payload, process_stored, store_update
from bot.webhook import SECRET_HEADER, WEBHOOK_RECEIVER, WebhookReceiver, webhook_path
from core.dependencies import log_failure
from core.errors import BadRequest, Unauthorized
from core.kv import BOT_USERNAME_KEY
from core.runtime import Runtime

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


class BotConfigError(RuntimeError):
    """The bot's settings do not allow it to start safely."""


@dataclass
class BotService:
    """A running bot: its Bot, Dispatcher and the background tasks it started."""

    runtime: Runtime
    bot: Bot
    dp: Dispatcher
    # Updates being handled in the background, and long-running loops (polling, sweep).
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    loops: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def run_loop(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self.loops.add(task)
        task.add_done_callback(self.loops.discard)

    async def handle_payload(self, payload: dict[str, Any]) -> None:
        await feed_payload(self.bot, self.dp, payload)

    async def process_stored(self, *, min_age_seconds: float = 0) -> int:
        return await process_stored(self.bot, self.dp, min_age_seconds=min_age_seconds)

    async def idle(self) -> None:
        """Wait until every update handed to the background is handled (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def close(self) -> None:
        pending = [*self.loops, *self.tasks]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self.bot.session.close()


def update_receiver(service: BotService) -> Callable[[str | None, bytes], Awaitable[None]]:
    secret = service.runtime.settings.telegram_webhook_secret.encode()

    async def receive(given_secret: str | None, raw: bytes) -> None:
        given = (given_secret or "").encode()
        if not given or not hmac.compare_digest(given, secret):
            raise Unauthorized("Invalid or missing secret token")
        try:
            payload = json.loads(raw)
            int(payload["update_id"])
        except (ValueError, TypeError, KeyError):
            raise BadRequest("Not a Telegram update") from None
        row = await store_update(payload)
        if row.processed_at is None:
            service.spawn(service.handle_payload(row.payload))

    return receive


def webhook_handler(service: BotService) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The route at a webhook path no contract documents (`{"detail"}` errors)."""
    receive = update_receiver(service)

    async def handle(request: web.Request) -> web.Response:
        try:
            await receive(request.headers.get(SECRET_HEADER), await request.read())
        except Unauthorized as error:
            return web.json_response({"detail": error.detail}, status=401)
        except BadRequest as error:
            return web.json_response({"detail": error.detail}, status=400)
        return web.json_response({"ok": True})

    return handle


def routes_post(app: web.Application, path: str) -> bool:
    """Whether `app` (or one of its sub-applications) already answers POST at `path`."""
    for resource in app.router.resources():
        sub = resource.get_info().get("app")
        if isinstance(sub, web.Application):
            if routes_post(sub, path):
                return True
        elif resource.canonical == path and any(r.method in ("POST", "*") for r in resource):
            return True
    return False


def install_webhook_route(service: BotService) -> None:
    """Receive updates at the webhook URL's path: through the contract that documents it
    (commerce's `/api/v1/webhooks/telegram`), else through a route of its own."""
    path = webhook_path(service.runtime.settings.telegram_webhook_url)
    service.runtime.extras[WEBHOOK_RECEIVER] = WebhookReceiver(
        path, update_receiver(service), service
    )
    handler = webhook_handler(service)

    def hook(app: web.Application) -> None:
        if not routes_post(app, path):
            app.router.add_post(path, handler)

    service.runtime.extras.setdefault("app_hooks", []).append(hook)


async def _sweep(service: BotService) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            await service.process_stored(min_age_seconds=CLAIM_SECONDS)
        except Exception as error:
            log_failure(log, error, "bot: re-feeding stored updates failed")


async def remember_username(service: BotService) -> None:
    try:
        me = await service.bot.get_me()
    except Exception as error:
        log.warning("bot: getMe failed (%s); links to the bot will be missing", error)
        return
    if me.username:
        await service.runtime.kv.set(BOT_USERNAME_KEY, me.username)


def build_service(runtime: Runtime) -> BotService:
    service = BotService(runtime=runtime, bot=create_bot(runtime), dp=create_dispatcher(runtime))
    runtime.extras["telegram_bot"] = service.bot
    runtime.extras["bot_service"] = service
    return service


async def start_bot(
    runtime: Runtime, *, receive: bool = True, drive: bool = True
) -> Callable[[], Awaitable[None]] | None:
    """Start the bot in the mode the settings ask for; returns its cleanup.

    `receive`: serve the webhook route (webhook mode only); `drive`: register the webhook
    or poll, and re-feed stored updates. Outcomes: None when there is no token, or when
    only receiving is asked for and no webhook URL is set (polling needs no receiver).
    """
    settings = runtime.settings
    if not settings.telegram_bot_token:
        log.info("bot: TELEGRAM_BOT_TOKEN is empty, the Telegram bot is not started")
        return None
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise BotConfigError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
    if not drive and not settings.telegram_webhook_url:
        return None
    service = build_service(runtime)
    if settings.telegram_webhook_url:
        if receive:
            install_webhook_route(service)
        if drive:
            await service.bot.set_webhook(
                url=settings.telegram_webhook_url,
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=service.dp.resolve_used_update_types(),
            )
        log.info(
            "bot: webhook mode at %s (%s)",
            settings.telegram_webhook_url,
            " and ".join(part for part, on in (("receiving", receive), ("driving", drive)) if on),
        )
    else:
        await service.bot.delete_webhook(drop_pending_updates=False)
        service.run_loop(
            service.dp.start_polling(service.bot, handle_signals=False, close_bot_session=False)
        )
        log.info("bot: polling %s", settings.telegram_api_base)
    if drive:
        await remember_username(service)
        stored = await service.process_stored()
        if stored:
            log.info("bot: re-fed %s stored update(s) that were never handled", stored)
        service.run_loop(_sweep(service))

    async def cleanup() -> None:
        await service.close()
        runtime.extras.pop("bot_service", None)
        receiver = runtime.extras.get(WEBHOOK_RECEIVER)
        if receiver is not None and receiver.owner is service:
            runtime.extras.pop(WEBHOOK_RECEIVER, None)
        if runtime.extras.get("telegram_bot") is service.bot:
            runtime.extras.pop("telegram_bot", None)

    return cleanup
