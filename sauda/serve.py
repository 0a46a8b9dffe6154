"""`sauda serve`: the API ports, the bot, the scheduler and the outbox worker in one
process; each part can be switched off, so the docker-compose topology runs them as
separate processes from one image."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from api.app import create_apps
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
        await close_db()
