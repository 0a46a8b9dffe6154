"""Languages and gettext catalogues (sauda/locales/<lang>/LC_MESSAGES/<domain>.mo).

Two domains: `messages` (everything the bots say) and `web` (pages such as tracking).
The catalogues are package data of `sauda` (the top-level `locales` is a link to them),
found with importlib.resources, so an editable checkout and an installed wheel read the
same files. `make locales` compiles them in a checkout; building a wheel compiles them
into it (setup.py); nothing here downloads.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

LANGUAGES = ("ru", "kk", "uz", "en")
DEFAULT_LANGUAGE = "ru"
# Each language by its own name, shown as it is to everyone (a language picker).
LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "uz": "Oʻzbekcha", "en": "English"}
LOCALES_DIR = Path(str(files("sauda") / "locales"))


def pick_language(code: str | None) -> str:
    """One of our languages for a client's language code (`en-US` -> en), ru otherwise."""
    if not code:
        return DEFAULT_LANGUAGE
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=32)
def translations(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(
        domain, localedir=LOCALES_DIR, languages=[pick_language(language)], fallback=True
    )


def gettext_for(domain: str, language: str) -> callable:  # type: ignore[valid-type]
    return translations(domain, language).gettext


def translate(msgid: str, language: str, params: Mapping[str, Any] | None = None) -> str:
    """`msgid` of the `messages` domain in `language`, `{name}` placeholders filled."""
    text = gettext_for("messages", language)(msgid)
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return msgid.format(**params)


def format_money(amount: int, currency: str, language: str) -> str:
    """`25 000 ₸` / `250 000 so'm` / `29.99 USD`, grouped the way `language` groups;
    `amount` is in the currency's stored unit (core.money)."""
    from babel.numbers import format_decimal

    from core.money import from_minor, minor_digits

    currency = str(currency)
    digits = minor_digits(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    number = format_decimal(from_minor(amount, currency), format=pattern, locale=language)
    if currency == "KZT":
        return f"{number} ₸"
    if currency == "UZS":
        return f"{number} {translate('sum', language)}"
    return f"{number} {currency}"


def day_label(day: date, language: str) -> str:
    """`Wed, 11 March` in `language`."""
    from babel.dates import format_date

    return format_date(day, "EEE, d MMMM", locale=language)
