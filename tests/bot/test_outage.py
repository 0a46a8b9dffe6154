"""The bot while Redis is down: an update is stored (the inbox runs before the FSM,
which reads the store), left unhandled with one warning line, and handled once Redis is
back, once; nothing is lost and nothing crashes. Redis is a private redis-server
(tests.private_servers), killed and started again; the shared one is never touched."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runner import build_service
from bot.updates import feed_payload, process_stored
from core.clock import FrozenClock
from core.kv import create_kv
from core.models import TelegramUpdate
from core.runtime import Runtime
from sauda.wiring import build_runtime
from tests.bot.conftest import virtual_sleep
from tests.bot.test_runner import greetings, start_update
from tests.conftest import _unavailable, make_settings
from tests.factories import make_shop
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram
from tests.private_servers import Missing, PrivateRedis


@pytest.fixture
async def private_redis() -> AsyncIterator[PrivateRedis]:
    try:
        server = PrivateRedis()
        await server.start()
    except (Missing, RuntimeError, TimeoutError) as error:
        _unavailable("a private Redis", error)
    yield server
    await server.destroy()


@pytest.fixture
async def bot_runtime(
    db: str, private_redis: PrivateRedis, telegram: FakeTelegram, tmp_path: Path, clock: FrozenClock
) -> AsyncIterator[Runtime]:
    settings = make_settings(
        tmp_path,
        db,
        redis_url=private_redis.url,
        telegram_bot_token=DEFAULT_TOKEN,
        telegram_api_base=telegram.base_url,
    )
    kv = create_kv(settings.redis_url)
    runtime = build_runtime(settings, clock=clock, kv=kv)
    runtime.extras["sleep"] = virtual_sleep(clock)
    yield runtime
    with contextlib.suppress(Exception):
        await kv.aclose()


async def test_an_update_during_an_outage_is_kept_and_handled_when_redis_is_back(
    bot_runtime: Runtime,
    private_redis: PrivateRedis,
    telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await make_shop("Flowers", slug="flowers")
    service = build_service(bot_runtime)
    try:
        payload = start_update(telegram)
        await private_redis.kill()
        await feed_payload(service.bot, service.dp, payload)  # logs, does not raise
        row = await TelegramUpdate.get(update_id=payload["update_id"])
        assert row.processed_at is None and row.error is None
        assert greetings(telegram) == []
        assert "redis is unavailable" in caplog.text
        assert "Traceback" not in caplog.text

        await private_redis.start()
        assert await process_stored(service.bot, service.dp) == 1
        assert len(greetings(telegram)) == 1
        row = await TelegramUpdate.get(update_id=payload["update_id"])
        assert row.processed_at is not None and row.error is None
        assert await process_stored(service.bot, service.dp) == 0
    finally:
        await service.close()
