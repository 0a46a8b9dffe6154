"""What the API side needs to know of the bot's webhook, without importing aiogram.

The API process (`sauda serve --no-bot`, the compose `api` service) serves the commerce
contract's `POST /api/v1/webhooks/telegram` in every mode; it reads the receiver that
bot.runner leaves in `runtime.extras[WEBHOOK_RECEIVER]` when a bot runs in webhook mode
in the same process, and answers 404 otherwise. Importing bot.runner for these names
would load aiogram into every API process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
WEBHOOK_RECEIVER = "telegram_webhook_receiver"


def webhook_path(url: str) -> str:
    return urlparse(url).path or DEFAULT_WEBHOOK_PATH


@dataclass(frozen=True)
class WebhookReceiver:
    """What the API side needs of a bot in webhook mode: the path Telegram posts to, and
    `receive` (raises Unauthorized for a missing or wrong secret token, BadRequest for a
    body that is no update). Kept in `runtime.extras[WEBHOOK_RECEIVER]` while the bot
    runs; the commerce contract's `POST /api/v1/webhooks/telegram` answers with it."""

    path: str
    receive: Callable[[str | None, bytes], Awaitable[None]]
    owner: Any  # the bot.runner.BotService that receives
