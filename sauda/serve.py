"""`sauda serve`: the API ports, the bot, the scheduler and the outbox worker in one
process; each part can be switched off, so the docker-compose topology runs them as
separate processes from one image."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from api.app import CONTRACT_MODULES, create_apps, load_contracts
from core.db import close_db, database_alive, init_db
from core.kv import ping
from core.runtime import Runtime
from core.settings import Settings
from sauda.wiring import build_outbox_worker, build_runtime

log = logging.getLogger(__name__)


HEARTBEAT_SECONDS = 15.0


async def heartbeat(runtime: Runtime, stop: asyncio.Event) -> None:
    """Touch HEARTBEAT_FILE while the database and the store answer (`sauda healthcheck
    --heartbeat` reads its age: the health check of processes that serve no HTTP)."""
    path = runtime.settings.heartbeat_file
    assert path is not None
    while not stop.is_set():
        if await database_alive() and await ping(runtime.kv):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT_SECONDS)


async def serve(
    settings: Settings,
    *,
    api: bool = True,
    bot: bool = True,
    scheduler: bool = True,
    outbox: bool = True,
) -> None:
    await init_db(settings.effective_database_url)
    runtime = build_runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    runners: list[web.AppRunner] = []
    tasks: list[asyncio.Task[None]] = []
    cleanups = []
    try:
        # An API process without the bot still receives Telegram's webhook (any API
        # worker behind the load balancer may get an update); the bot process drives.
        if not settings.telegram_bot_token:
            if bot:
                log.info("bot: TELEGRAM_BOT_TOKEN is empty, the Telegram bot is not started")
        elif bot or (api and settings.telegram_webhook_url):
            from bot.runner import start_bot

            cleanup = await start_bot(runtime, receive=api, drive=bot)
            if cleanup is not None:
                cleanups.append(cleanup)
        if api:
            for port, app in create_apps(runtime).items():
                runner = web.AppRunner(
                    app, access_log=log if settings.log_level == "DEBUG" else None
                )
                await runner.setup()
                await web.TCPSite(runner, settings.host, port).start()
                runners.append(runner)
                log.info("serving http://%s:%s (docs at /docs)", settings.host, port)
        if outbox:
            worker = build_outbox_worker(runtime)
            tasks.append(asyncio.create_task(worker.run_forever(stop)))
        if scheduler:
            try:
                from scheduler.runner import start_scheduler
            except ModuleNotFoundError:
                log.info("scheduler: not part of this build")
            else:
                cleanups.append(await start_scheduler(runtime))
        if settings.heartbeat_file:
            tasks.append(asyncio.create_task(heartbeat(runtime, stop)))
        if api:
            print(await where_everything_is(runtime), flush=True)
        await stop.wait()
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=10)
        for cleanup in reversed(cleanups):
            with contextlib.suppress(Exception):
                await cleanup()
        for runner in runners:
            await runner.cleanup()
        await runtime.assistant.aclose()
        await close_db()


async def where_everything_is(runtime: Runtime) -> str:
    """The lines `make run` shows once the API is up: every port, its docs, a tracking
    page to open, and the bot's link."""
    from core.kv import BOT_USERNAME_KEY
    from core.models import Order

    settings = runtime.settings
    # A wildcard bind is reached on localhost from this machine.
    local = "localhost" if settings.host in {"0.0.0.0", "::", ""} else settings.host  # noqa: S104
    ports: dict[int, list[str]] = {}
    for name in load_contracts():
        prefix = settings.contract_prefixes.get(name)
        port = (
            settings.api_port
            if prefix is not None
            else getattr(settings, CONTRACT_MODULES[name][1])
        )
        ports.setdefault(port, []).append(f"{name} at {prefix}" if prefix else name)
    lines = ["", "Sauda is up:"]
    for port, names in sorted(ports.items()):
        lines.append(f"  http://{local}:{port}/docs   API docs ({', '.join(names)})")
    token = await Order.all().order_by("-id").first().values_list("tracking_token", flat=True)
    base = settings.public_base_url or f"http://{local}:{settings.api_port}"
    if token:
        lines.append(f"  {base}/tracking/{token}   a tracking page")
    else:
        lines.append("  no orders yet: `make demo` loads a demo shop with tracking pages")
    username = await runtime.kv.get(BOT_USERNAME_KEY) if settings.telegram_bot_token else None
    if username:
        lines.append(f"  https://t.me/{username}   the Telegram bot")
    elif settings.telegram_bot_token:
        lines.append("  the Telegram bot is starting (its link follows getMe)")
    else:
        lines.append("  no Telegram bot: set TELEGRAM_BOT_TOKEN (README, five minutes)")
    return "\n".join(lines) + "\n"
