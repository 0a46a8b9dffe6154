"""The bot's texts outside an update (outbox delivery, WhatsApp), without aiogram.

`render(msgid, language, params)` reads the same `messages` catalogues as the bot's
`I18n` (bot.i18n) through plain gettext, so the processes that only deliver or
subscribe (the API) never import aiogram.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.i18n import LOCALES_DIR, pick_language, translations

log = logging.getLogger(__name__)

DOMAIN = "messages"
_compiled: set[Path] = set()


def ensure_compiled(path: Path = LOCALES_DIR, domain: str = DOMAIN) -> None:
    """Compile `<domain>.po` files whose `.mo` is missing or older (the install step
    normally does this; a fresh checkout then still starts)."""
    for po in sorted(path.glob(f"*/LC_MESSAGES/{domain}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name, domain=domain)
            # Written aside and moved into place: a process reading the catalogue
            # meanwhile sees the old file or the new one, never half of one.
            fd, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
            with os.fdopen(fd, "wb") as target:
                write_mo(target, catalog)
            os.chmod(temporary, 0o644)
            os.replace(temporary, mo)
        except OSError as error:
            log.warning("cannot compile %s: %s", po, error)


def render(msgid: str, language: str, params: dict[str, Any] | None = None) -> str:
    """`msgid` in `language`, with `{name}` placeholders filled from `params`."""
    if LOCALES_DIR not in _compiled:
        ensure_compiled(LOCALES_DIR)
        _compiled.add(LOCALES_DIR)
    text = translations(DOMAIN, pick_language(language)).gettext(msgid)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.warning("translation of %r does not fit its params %s", msgid, sorted(params))
            return msgid.format(**params)
    return text
