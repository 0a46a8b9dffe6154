"""Bot end-to-end fixtures: the real aiogram Bot and Dispatcher against the fake Bot API.

- `telegram`: the fake Bot API server (tests/fakes/telegram.py) on loopback.
- `settings_overrides`: points the `runtime` fixture at it (token + TELEGRAM_API_BASE);
  override it in a module to add settings, keeping these two.
- `bot_harness`: a `BotHarness` on the `runtime` fixture (so every test runs on
  SQLite + in-process store and on PostgreSQL + Redis). `harness.user(...)` makes a
  `TelegramUser` whose updates go through `dp.feed_update` (the inbox middleware
  included) and return once handled; `await harness.restart()` builds a new Bot and
  Dispatcher on the same store, as a process restart would.

`deliver_outbox(runtime, clock)` runs the outbox worker (with bot.notify's telegram
deliverer) until nothing is due.

Waiting is virtual: `runtime.extras["sleep"]` advances the test's FrozenClock, so the
Sender's rate limits and 429 waits cost no real time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.app import create_bot, create_dispatcher
from core.clock import FrozenClock, SystemClock
from core.runtime import Runtime
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram, TelegramUser


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings_overrides(telegram: FakeTelegram) -> dict[str, Any]:
    return {"telegram_bot_token": DEFAULT_TOKEN, "telegram_api_base": telegram.base_url}


def virtual_sleep(clock: FrozenClock, slept: list[float] | None = None) -> Any:
    async def sleep(seconds: float) -> None:
        if slept is not None:
            slept.append(seconds)
        clock.advance(seconds=seconds)

    return sleep


async def deliver_outbox(runtime: Runtime, clock: FrozenClock) -> int:
    """Deliver every queued outbox row now; returns how many went out. Rows are stamped
    with the wall clock, so the test's clock first catches up with it."""
    from sauda.wiring import build_outbox_worker

    clock.set(max(clock.now(), SystemClock().now()) + timedelta(seconds=1))
    return await build_outbox_worker(runtime).drain()


class BotHarness:
    """One running bot (Bot + Dispatcher) for a test, restartable on the same store."""

    def __init__(self, runtime: Runtime, telegram: FakeTelegram) -> None:
        self.runtime = runtime
        self.telegram = telegram
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None
        self._user_ids = iter(range(5_000_001, 6_000_000))

    async def start(self) -> BotHarness:
        self.bot = create_bot(self.runtime)
        self.dp = create_dispatcher(self.runtime)
        self.runtime.extras["telegram_bot"] = self.bot
        return self

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.session.close()
        self.bot = None
        self.dp = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def feed(self, update: Update) -> Any:
        assert self.bot is not None and self.dp is not None
        return await self.dp.feed_update(self.bot, update)

    def user(self, *, user_id: int | None = None, **kwargs: Any) -> TelegramUser:
        return TelegramUser(
            self.telegram,
            self.feed,
            user_id=user_id if user_id is not None else next(self._user_ids),
            **kwargs,
        )

    def group_member(
        self, chat_id: int, *, user_id: int | None = None, **kwargs: Any
    ) -> TelegramUser:
        chat = {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
        return self.user(user_id=user_id, chat=chat, **kwargs)


@pytest.fixture
async def bot_harness(
    runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock
) -> AsyncIterator[BotHarness]:
    runtime.extras["sleep"] = virtual_sleep(clock)
    harness = await BotHarness(runtime, telegram).start()
    yield harness
    await harness.stop()
