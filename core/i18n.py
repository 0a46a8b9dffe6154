"""Languages and gettext catalogues (locales/<lang>/LC_MESSAGES/<domain>.mo).

Two domains: `messages` (everything the bots say) and `web` (pages such as tracking).
The install step compiles the .po files (`make locales`); nothing here downloads.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("ru", "kk", "uz", "en")
DEFAULT_LANGUAGE = "ru"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


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
