"""The one way out to Telegram: every Bot API call of our `Bot` passes through `Sender`.

`Sender` is an aiogram request middleware (`bot.session.middleware(sender)`, done by
`bot.app.create_bot`), so handler replies, outbox notifications and staff cards all
share it. It does two things:

- keeps Telegram's limits before a message goes out: about one message a second per
  private chat, 20 a minute per group, 30 a second overall. Sends are booked in sliding
  windows in the key-value store (core.ratelimit.book, one Lua script per booking), so
  several bot processes on one Redis share the budget, and no window edge lets 20 cards
  at :59 and 20 more at :00 into one group; a call that finds the window full books the
  moment a slot frees and waits for it.
- on a 429 (`TelegramRetryAfter`) waits the `retry_after` Telegram gave and sends the
  same request again. A 429 means Telegram did not take the message, so the retry
  neither loses nor repeats it. After `max_retries` the error propagates (the outbox
  then retries the row later).

Time comes from the runtime's clock and waiting from `sleep` (asyncio.sleep by default;
tests pass one that advances their FrozenClock, so nothing really waits).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import TelegramRetryAfter

from core import ratelimit
from core.clock import Clock

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[Any]]

# Methods that put a message into a chat and so count against the limits.
_NOT_COUNTED = {"sendChatAction"}


@dataclass(frozen=True)
class TelegramLimits:
    per_chat: int = 1
    per_chat_window: int = 1
    per_group: int = 20
    per_group_window: int = 60
    overall: int = 30
    overall_window: int = 1


def counts_against_limits(method_name: str) -> bool:
    return (
        method_name.startswith(("send", "copy", "forward", "edit"))
        and method_name not in _NOT_COUNTED
    )


class RateLimiter:
    """Books the next free moment per chat, per group and overall; returns when to send."""

    def __init__(
        self, kv: Any, clock: Clock, *, limits: TelegramLimits | None = None, prefix: str = "tg"
    ) -> None:
        self.kv = kv
        self.clock = clock
        self.limits = limits or TelegramLimits()
        self.prefix = prefix

    async def _book(self, scope: str, *, limit: int, window: int, at: float) -> float:
        return await ratelimit.book(
            self.kv, bucket=f"{self.prefix}:{scope}", limit=limit, window_seconds=window, at=at
        )

    async def reserve(self, chat_id: Any) -> float:
        """Seconds to wait before a message to `chat_id` may go out (its slot is booked)."""
        now = self.clock.now().timestamp()
        at = now
        limits = self.limits
        if isinstance(chat_id, int):
            if chat_id < 0:
                at = await self._book(
                    f"group:{chat_id}",
                    limit=limits.per_group,
                    window=limits.per_group_window,
                    at=at,
                )
            else:
                at = await self._book(
                    f"chat:{chat_id}", limit=limits.per_chat, window=limits.per_chat_window, at=at
                )
        at = await self._book("all", limit=limits.overall, window=limits.overall_window, at=at)
        return max(0.0, at - now)


class Sender(BaseRequestMiddleware):
    """Rate limits and 429 retries for every request of the bot it is attached to."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        sleep: Sleep | None = None,
        max_retries: int = 8,
    ) -> None:
        self.limiter = limiter
        self.sleep: Sleep = sleep or asyncio.sleep
        self.max_retries = max_retries

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        counted = counts_against_limits(method.__api_method__)
        chat_id = getattr(method, "chat_id", None)
        retries = 0
        while True:
            if counted:
                wait = await self.limiter.reserve(chat_id)
                if wait > 0:
                    await self.sleep(wait)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                retries += 1
                if retries > self.max_retries:
                    raise
                log.info(
                    "telegram %s to %s: 429, waiting %ss (retry %s)",
                    method.__api_method__,
                    chat_id,
                    error.retry_after,
                    retries,
                )
                await self.sleep(error.retry_after)


def create_sender(kv: Any, clock: Clock, *, sleep: Sleep | None = None) -> Sender:
    return Sender(RateLimiter(kv, clock), sleep=sleep)
