"""Starting the bot: webhook mode fails closed and stores before acknowledging; polling;
stored updates that were never handled are handled at start; no token, no bot."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.runner import SECRET_HEADER, BotConfigError, BotService, start_bot
from core.clock import FrozenClock
from core.models import TelegramUpdate
from core.runtime import Runtime
from tests.bot.conftest import virtual_sleep
from tests.factories import make_shop
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram

SECRET = "webhook-secret-of-the-test-0123456789"
WEBHOOK_URL = "https://bot.example.kz/telegram/webhook"


@pytest.fixture
def settings_overrides(telegram: FakeTelegram) -> dict[str, Any]:
    return {
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
        "telegram_webhook_url": WEBHOOK_URL,
        "telegram_webhook_secret": SECRET,
    }


@pytest.fixture
async def webhook(runtime: Runtime, clock: FrozenClock, serve_apps: Any) -> Any:
    runtime.extras["sleep"] = virtual_sleep(clock)
    await make_shop("Flowers", slug="flowers")
    cleanup = await start_bot(runtime)
    assert cleanup is not None
    clients = await serve_apps()
    yield clients[runtime.settings.api_port], runtime.extras["bot_service"]
    await cleanup()


def start_update(telegram: FakeTelegram, user_id: int = 42) -> dict[str, Any]:
    user = telegram.user_dict(user_id, "Aru", "en", None)
    update = telegram.message_update(user, text="/start shop_flowers")
    return update.model_dump(mode="json", exclude_none=True)


def greetings(telegram: FakeTelegram, chat_id: int = 42) -> list[str]:
    return [t for t in telegram.texts(chat_id) if t.startswith("Hello, Aru!")]


async def test_webhook_mode_registers_the_url_with_its_secret(
    webhook: tuple[TestClient, BotService], telegram: FakeTelegram
) -> None:
    assert telegram.webhook["url"] == WEBHOOK_URL
    assert telegram.webhook["secret_token"] == SECRET
    assert "message" in telegram.webhook["allowed_updates"]


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}])
async def test_webhook_rejects_a_missing_or_wrong_secret(
    webhook: tuple[TestClient, BotService], telegram: FakeTelegram, headers: dict[str, str]
) -> None:
    client, service = webhook
    response = await client.post("/telegram/webhook", json=start_update(telegram), headers=headers)
    assert response.status == 401
    await service.idle()
    assert await TelegramUpdate.all().count() == 0
    assert telegram.sent() == []


async def test_webhook_stores_the_update_then_handles_it(
    webhook: tuple[TestClient, BotService], telegram: FakeTelegram
) -> None:
    client, service = webhook
    payload = start_update(telegram)
    response = await client.post("/telegram/webhook", json=payload, headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    stored = await TelegramUpdate.get(update_id=payload["update_id"])
    assert stored.payload["message"]["text"] == "/start shop_flowers"
    await service.idle()
    assert len(greetings(telegram)) == 1
    stored = await TelegramUpdate.get(update_id=payload["update_id"])
    assert stored.processed_at is not None and stored.error is None


async def test_a_webhook_update_delivered_twice_takes_effect_once(
    webhook: tuple[TestClient, BotService], telegram: FakeTelegram
) -> None:
    client, service = webhook
    payload = start_update(telegram)
    headers = {SECRET_HEADER: SECRET}
    first = await client.post("/telegram/webhook", json=payload, headers=headers)
    again = await client.post("/telegram/webhook", json=payload, headers=headers)
    await service.idle()
    late = await client.post("/telegram/webhook", json=payload, headers=headers)
    await service.idle()
    assert (first.status, again.status, late.status) == (200, 200, 200)
    assert len(greetings(telegram)) == 1
    assert await TelegramUpdate.all().count() == 1


async def test_webhook_rejects_what_is_not_an_update(
    webhook: tuple[TestClient, BotService],
) -> None:
    client, _ = webhook
    response = await client.post(
        "/telegram/webhook", data=b"not json", headers={SECRET_HEADER: SECRET}
    )
    assert response.status == 400
    assert await TelegramUpdate.all().count() == 0


async def test_updates_stored_but_never_handled_are_handled_at_start(
    runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock
) -> None:
    runtime.extras["sleep"] = virtual_sleep(clock)
    await make_shop("Flowers", slug="flowers")
    payload = start_update(telegram)
    await TelegramUpdate.create(update_id=payload["update_id"], payload=payload)
    cleanup = await start_bot(runtime)
    assert cleanup is not None
    try:
        assert len(greetings(telegram)) == 1
        assert (await TelegramUpdate.get(update_id=payload["update_id"])).processed_at
    finally:
        await cleanup()


async def test_webhook_mode_refuses_to_start_without_a_secret(
    runtime: Runtime, telegram: FakeTelegram
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"telegram_webhook_secret": ""})
    with pytest.raises(BotConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        await start_bot(runtime)
    assert "bot_service" not in runtime.extras
    assert telegram.calls == []


async def test_without_a_token_the_bot_is_not_started(
    runtime: Runtime, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"telegram_bot_token": ""})
    caplog.set_level("INFO", logger="bot.runner")
    assert await start_bot(runtime) is None
    assert "not started" in caplog.text
    assert telegram.calls == []


async def test_polling_answers_queued_updates(
    runtime: Runtime, telegram: FakeTelegram, clock: FrozenClock
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"telegram_webhook_url": ""})
    runtime.extras["sleep"] = virtual_sleep(clock)
    await make_shop("Flowers", slug="flowers")
    cleanup = await start_bot(runtime)
    assert cleanup is not None
    try:
        assert telegram.calls_of("deleteWebhook")
        update = start_update(telegram)
        telegram.queue(update)
        await telegram.wait_for(
            lambda c: c.method == "sendMessage" and (c.text or "").startswith("Hello, Aru!")
        )
        await telegram.wait_for(
            lambda c: c.method == "getUpdates" and c.params.get("offset") == update["update_id"] + 1
        )
        assert await processed(update["update_id"])
    finally:
        await cleanup()
    assert len(greetings(telegram)) == 1


async def processed(update_id: int) -> bool:
    """Whether the polling task finished the update (it runs on its own task)."""
    for _ in range(500):
        row = await TelegramUpdate.get_or_none(update_id=update_id)
        if row is not None and row.processed_at is not None:
            return True
        await asyncio.sleep(0.01)
    return False
