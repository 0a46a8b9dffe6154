"""The bot's gettext: aiogram's `I18n` over locales/<lang>/LC_MESSAGES/messages.po.

Handlers write `from aiogram.utils.i18n import gettext as _` and `lazy_gettext as __`
(for texts built before the locale is known, e.g. button-text filters); the language
of an update is picked by `LanguageMiddleware`:

1. the language the person chose in the bot (kept in their FSM data under `language`),
2. else the language saved on their customer / staff record (`core.storefront`),
3. else their Telegram `language_code` when it is ru, kk, uz or en,
4. else ru.

Outside an update (outbox delivery) use `render(msgid, language, params)` (bot.rendering,
plain gettext over the same catalogues, no aiogram).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware

from bot.actions import telegram_address
from bot.rendering import DOMAIN, ensure_compiled, render
from core import storefront
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES_DIR, pick_language

if TYPE_CHECKING:
    from aiogram.fsm.context import FSMContext
    from aiogram.types import TelegramObject, User

log = logging.getLogger(__name__)

__all__ = [
    "DOMAIN",
    "LANGUAGE_KEY",
    "LanguageMiddleware",
    "create_i18n",
    "ensure_compiled",
    "render",
    "set_language",
    "shared_i18n",
]

LANGUAGE_KEY = "language"
# Set once the person was asked to pick a language (bot.routers.customer.start).
LANGUAGE_ASKED_KEY = "language_asked"


def create_i18n(path: Path = LOCALES_DIR) -> I18n:
    ensure_compiled(path)
    return I18n(path=path, default_locale=DEFAULT_LANGUAGE, domain=DOMAIN)


_shared: I18n | None = None


def shared_i18n() -> I18n:
    """One I18n per process for rendering outside updates (the outbox deliverer)."""
    global _shared
    if _shared is None:
        _shared = create_i18n()
    return _shared


class LanguageMiddleware(I18nMiddleware):
    """Picks the update's language (see the module docstring) and remembers it."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        state: FSMContext | None = data.get("state")
        if state is not None:
            chosen = (await state.get_data()).get(LANGUAGE_KEY)
            if chosen in LANGUAGES:
                return str(chosen)
        user: User | None = data.get("event_from_user")
        if user is None:
            return DEFAULT_LANGUAGE
        saved = await storefront.saved_language(address=telegram_address(user.id))
        language = saved or pick_language(user.language_code)
        if state is not None:
            await state.update_data({LANGUAGE_KEY: language})
        return language


async def set_language(state: FSMContext, i18n: I18n, language: str) -> str:
    """Switch the person's language for this and later updates."""
    language = pick_language(language)
    await state.update_data({LANGUAGE_KEY: language})
    i18n.current_locale = language
    return language
