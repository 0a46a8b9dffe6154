"""Languages and gettext catalogues (sauda/locales/<lang>/LC_MESSAGES/<domain>.mo).

Two domains: `messages` (everything the bots say) and `web` (pages such as tracking).
The catalogues are package data of `sauda` (the top-level `locales` is a link to them),
found with importlib.resources, so an editable checkout and an installed wheel read the
same files. `make locales` compiles them in a checkout; building a wheel compiles them
into it (setup.py); nothing here downloads.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

LANGUAGES = ("ru", "kk", "uz", "en")
DEFAULT_LANGUAGE = "ru"
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
