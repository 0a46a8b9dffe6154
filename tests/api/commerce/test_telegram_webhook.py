"""`POST /api/v1/webhooks/telegram` is in the commerce document whatever mode the bot is
in, and answers in the contract's error shape: 200 in webhook mode at that path (401
for a wrong secret token, 400 for a body that is no update), 404 `TELEGRAM_WEBHOOK_OFF`
without webhook mode or with a webhook URL of another path (which keeps its own route).
The bot runs against the fake Bot API over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.runner import SECRET_HEADER, start_bot
from core.clock import FrozenClock
from core.models import TelegramUpdate
from core.runtime import Runtime
from tests.api.commerce.conftest import PUBLIC_BASE_URL
from tests.bot.conftest import telegram, virtual_sleep  # noqa: F401 (fixture)
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram

PATH = "/api/v1/webhooks/telegram"
SECRET = "telegram-webhook-secret-of-the-test-0123"
USER = 7_400_002


def problem(body: Any, code: str) -> None:
    assert set(body) == {"detail", "code", "timestamp"}, body
    assert body["code"] == code, body


@pytest.fixture
def webhook_url() -> str:
    return PUBLIC_BASE_URL + PATH


@pytest.fixture
def settings_overrides(
    settings_overrides: dict[str, Any],
    telegram: FakeTelegram,  # noqa: F811
    webhook_url: str,
) -> dict[str, Any]:
    return {
        **settings_overrides,
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
        "telegram_webhook_url": webhook_url,
        "telegram_webhook_secret": SECRET if webhook_url else "",
    }


@pytest.fixture
async def served(
    runtime: Runtime, clock: FrozenClock, serve_apps: Callable[[], Awaitable[dict[int, TestClient]]]
) -> AsyncIterator[TestClient]:
    """The API port, served after the bot started in the mode of the settings."""
    runtime.extras["sleep"] = virtual_sleep(clock)
    cleanup = await start_bot(runtime)
    assert cleanup is not None
    yield (await serve_apps())[runtime.settings.api_port]
    await cleanup()


def update(telegram: FakeTelegram, clock: FrozenClock, text: str) -> dict[str, Any]:  # noqa: F811
    user = telegram.user_dict(USER, "Jane", "en", None)
    message = telegram.message_update(user, text=text, date=int(clock.now().timestamp()))
    return message.model_dump(mode="json", exclude_none=True)


async def documented(client: TestClient) -> dict[str, Any]:
    document = await (await client.get("/openapi.json")).json()
    assert PATH in document["paths"], sorted(document["paths"])
    operation = document["paths"][PATH]["post"]
    assert {"200", "400", "401", "404"} <= set(operation["responses"])
    return dict(operation)


async def test_in_webhook_mode_the_documented_operation_takes_updates(
    served: TestClient,
    runtime: Runtime,
    clock: FrozenClock,
    telegram: FakeTelegram,  # noqa: F811
) -> None:
    await documented(served)
    start = update(telegram, clock, "/start")
    for wrong in ({}, {SECRET_HEADER: "not-the-secret"}):
        response = await served.post(PATH, json=start, headers=wrong)
        assert response.status == 401, wrong
        problem(await response.json(), "UNAUTHORIZED")
    response = await served.post(PATH, json={"no": "update"}, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    problem(await response.json(), "BAD_REQUEST")
    assert await TelegramUpdate.all().count() == 0
    response = await served.post(PATH, json=start, headers={SECRET_HEADER: SECRET})
    assert (response.status, await response.json()) == (200, {"ok": True})
    await runtime.extras["bot_service"].idle()
    assert await TelegramUpdate.filter(update_id=start["update_id"]).count() == 1
    assert telegram.texts(USER), "the bot answered nothing"


@pytest.mark.parametrize("webhook_url", [""])
async def test_without_webhook_mode_the_operation_is_documented_and_answers_404(
    runtime: Runtime,
    clock: FrozenClock,
    telegram: FakeTelegram,  # noqa: F811
    serve_apps: Callable[[], Awaitable[dict[int, TestClient]]],
) -> None:
    # No bot in this process at all (an API-only process of a polling deployment).
    api = (await serve_apps())[runtime.settings.api_port]
    await documented(api)
    start = update(telegram, clock, "/start")
    response = await api.post(PATH, json=start, headers={SECRET_HEADER: SECRET})
    assert response.status == 404
    problem(await response.json(), "TELEGRAM_WEBHOOK_OFF")
    assert await TelegramUpdate.all().count() == 0


@pytest.mark.parametrize("webhook_url", [""])
async def test_a_polling_bot_leaves_the_operation_answering_404(
    served: TestClient,
    clock: FrozenClock,
    telegram: FakeTelegram,  # noqa: F811
) -> None:
    await documented(served)
    response = await served.post(
        PATH, json=update(telegram, clock, "/start"), headers={SECRET_HEADER: SECRET}
    )
    assert response.status == 404
    problem(await response.json(), "TELEGRAM_WEBHOOK_OFF")


@pytest.mark.parametrize("webhook_url", [PUBLIC_BASE_URL + "/telegram/webhook"])
async def test_a_webhook_url_of_another_path_keeps_its_own_route(
    served: TestClient,
    runtime: Runtime,
    clock: FrozenClock,
    telegram: FakeTelegram,  # noqa: F811
) -> None:
    await documented(served)
    start = update(telegram, clock, "/start")
    response = await served.post(PATH, json=start, headers={SECRET_HEADER: SECRET})
    assert response.status == 404
    problem(await response.json(), "TELEGRAM_WEBHOOK_OFF")
    response = await served.post("/telegram/webhook", json=start, headers={SECRET_HEADER: SECRET})
    assert (response.status, await response.json()) == (200, {"ok": True})
    await runtime.extras["bot_service"].idle()
    assert await TelegramUpdate.filter(update_id=start["update_id"]).count() == 1
