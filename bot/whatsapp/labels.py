"""Button and row titles within WhatsApp's limits, in every language.

WhatsApp counts characters (code points: "📦 Менің тапсырыстарым" is 21): a reply button
title is at most 20, a list row title 24, a list's button label 20, a section title 24.
A label (a gettext msgid of the `messages` domain) becomes a title by the first step
that fits:

1. the label as translated in the reader's language;
2. its short form: `SHORT_LABELS` maps a msgid to a shorter msgid (translated in all
   four languages too), for labels some language cannot say in 20 characters;
3. the label without its leading emoji ("📦 Менің тапсырыстарым" → "Менің тапсырыстарым");
4. cut to the limit with "…" at the end. Only labels that carry data (a product or
   recipient name, a date) may get here; tests/bot/whatsapp/test_labels.py checks that
   every fixed customer button label fits by step 3 in ru, kk, uz and en.

`CUSTOMER_BUTTON_LABELS` lists the fixed labels of customer-facing buttons (the flows'
actions, the reminder's reorder, the bouquet approval) that the test renders in every
language; labels with `{params}` are listed with sample params.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.rendering import render

REPLY_BUTTON_TITLE = 20
LIST_ROW_TITLE = 24
LIST_BUTTON = 20
SECTION_TITLE = 24
INTERACTIVE_BODY = 1024
CAPTION = 1024
TEXT_BODY = 4096
ELLIPSIS = "…"


def _(message: str) -> str:
    return message


# Labels some language cannot fit in a reply button, and the shorter msgid to use there.
SHORT_LABELS: dict[str, str] = {
    "Ask for a change": _("Change it"),
    "✅ Confirm the order": _("✅ Confirm"),
    "🔁 Order the same as last time": _("🔁 Order again"),
}

# Fixed labels of customer-facing buttons, with sample params for those that have some.
CUSTOMER_BUTTON_LABELS: dict[str, dict[str, Any]] = {
    "🌸 Catalog": {},
    "🛒 Cart": {},
    "🛒 Cart ({count})": {"count": 12},
    "📦 My orders": {},
    "💬 Ask a question": {},
    "📞 Contacts": {},
    "🌐 Language": {},
    "⬅️ Menu": {},
    "⬅️ Catalog": {},
    "Add to cart": {},
    "✅ Checkout": {},
    "🗑 Clear the cart": {},
    "✖ Cancel": {},
    "🙋 It's me": {},
    "🔁 To {name} again": {"name": "Айгерим"},
    "🚚 Delivery": {},
    "🏪 Pickup": {},
    "Today, {day}": {"day": "Пн 30.11"},
    "Tomorrow, {day}": {"day": "Вт 01.12"},
    "⬅️ Another day": {},
    "No card": {},
    "🎂 Birthday": {},
    "💍 Anniversary": {},
    "No, thanks": {},
    "✅ Confirm the order": {},
    "Approve": {},
    "Ask for a change": {},
    "🔁 Order the same as last time": {},
    "📍 Send my location": {},
    "📝 Consultation": {},
    "📋 My consultations": {},
    "Earliest time": {},
}

# Texts the renderer adds around choices.
CHOOSE = _("Choose")
CHOOSE_PROMPT = _("Choose an option:")
MORE_OPTIONS = _("More options:")


def without_leading_emoji(text: str) -> str:
    """The label after its first word when that word has no letter or digit ("📦 ...")."""
    head, space, rest = text.partition(" ")
    if space and rest and not any(ch.isalnum() for ch in head):
        return rest.strip()
    return text


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def fit(text: str, limit: int, *, short: str | None = None) -> tuple[str, bool]:
    """(title, whether it was cut): the first of the text, its short form, either without
    the leading emoji, that fits; else the text cut with "…"."""
    candidates = [text]
    if short:
        candidates += [short, without_leading_emoji(short)]
    candidates.append(without_leading_emoji(text))
    for candidate in candidates:
        if candidate and len(candidate) <= limit:
            return candidate, False
    return cut(text, limit), True


def title(
    msgid: str,
    language: str,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int = REPLY_BUTTON_TITLE,
) -> tuple[str, bool]:
    """A label rendered in `language` and fitted to `limit` (see the module docstring)."""
    text = render(msgid, language, dict(params or {}))
    short_id = SHORT_LABELS.get(msgid)
    short = render(short_id, language, dict(params or {})) if short_id else None
    return fit(text, limit, short=short)
