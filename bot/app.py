"""Factories for the bot: `create_bot(runtime)` and `create_dispatcher(runtime)`.

FSM storage is aiogram's `RedisStorage` over `runtime.kv` in both deployments: real
Redis when REDIS_URL is set, the in-process fakeredis store otherwise. So a conversation
survives a restart of the bot within one store (across processes on Redis), and there
is one code path. The storage does not own the client: closing the dispatcher leaves
`runtime.kv` open for the rest of the process.

Event isolation (one update at a time per person and chat, so two quick presses cannot
race on the FSM data) uses Redis locks on real Redis and in-process locks otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.utils.i18n import I18n

from bot.i18n import LanguageMiddleware, create_i18n
from bot.routers import build_root_router
from bot.sender import Sender, create_sender
from bot.updates import UpdateOnceMiddleware
from core.runtime import Runtime

log = logging.getLogger(__name__)

FSM_PREFIX = "sauda:fsm"
# Abandoned conversations (and carts) are forgotten after a month.
FSM_TTL_SECONDS = 30 * 24 * 3600


class SharedRedisStorage(RedisStorage):
    """RedisStorage on a client the runtime owns: closing it does not close the client."""

    async def close(self) -> None:
        return None


def is_in_process(kv: Any) -> bool:
    return type(kv).__module__.startswith("fakeredis")


def create_bot(runtime: Runtime) -> Bot:
    """The Bot, talking to settings.telegram_api_base, every call through one Sender."""
    settings = runtime.settings
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    sender = create_sender(runtime.kv, runtime.clock, sleep=runtime.extras.get("sleep"))
    session.middleware(sender)
    return Bot(token=settings.telegram_bot_token, session=session)


def sender_of(bot: Bot) -> Sender:
    return next(m for m in bot.session.middleware if isinstance(m, Sender))  # type: ignore[attr-defined]


def create_dispatcher(runtime: Runtime, *, i18n: I18n | None = None) -> Dispatcher:
    """The Dispatcher with FSM on runtime.kv, the update inbox, i18n and every router.

    Handlers receive `runtime` (and `i18n`) as keyword arguments (aiogram workflow_data).
    """
    key_builder = DefaultKeyBuilder(prefix=FSM_PREFIX)
    storage = SharedRedisStorage(
        runtime.kv, key_builder=key_builder, state_ttl=FSM_TTL_SECONDS, data_ttl=FSM_TTL_SECONDS
    )
    isolation: BaseEventIsolation
    if is_in_process(runtime.kv):
        isolation = SimpleEventIsolation()
    else:
        isolation = RedisEventIsolation(
            runtime.kv, key_builder=key_builder, lock_kwargs={"timeout": 60}
        )
    i18n = i18n or create_i18n()
    dp = Dispatcher(storage=storage, events_isolation=isolation, runtime=runtime, i18n=i18n)
    dp.update.outer_middleware(UpdateOnceMiddleware(runtime.kv, runtime.clock))
    # The inbox before the FSM (which reads the store first): an update that arrives
    # while Redis is down is stored, and handled once it is back (bot.updates).
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(dp.fsm)
    LanguageMiddleware(i18n).setup(dp)
    dp.include_router(build_root_router())
    return dp
