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
from core.db import close_db, init_db
from core.settings import Settings
from sauda.wiring import build_outbox_worker, build_runtime

log = logging.getLogger(__name__)


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
        if bot:
            try:
                from bot.runner import start_bot
            except ModuleNotFoundError:
                log.info("bot: not part of this build")
            else:
                cleanup = await start_bot(runtime)
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
