"""Every customer button title fits WhatsApp's limits in ru, kk, uz and en, counted in
characters, by the policy of bot.whatsapp.labels (translation, short form, no leading
emoji; cutting only for labels that carry data)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.i18n import render
from bot.whatsapp.labels import (
    CHOOSE,
    CUSTOMER_BUTTON_LABELS,
    LIST_BUTTON,
    LIST_ROW_TITLE,
    REPLY_BUTTON_TITLE,
    SHORT_LABELS,
    fit,
    title,
)
from core.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[3]
# Telegram-only buttons: WhatsApp never asks for the phone (the wa_id is the phone).
TELEGRAM_ONLY = {"📱 Share my phone number"}


def marked_labels(path: Path) -> set[str]:
    """Every `_("...")` text of a module (the customer keyboards mark only labels)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def test_every_customer_keyboard_label_is_checked_here() -> None:
    labels = marked_labels(ROOT / "bot/routers/customer/keyboards.py")
    missing = labels - set(CUSTOMER_BUTTON_LABELS) - TELEGRAM_ONLY
    assert not missing, f"add these button labels to CUSTOMER_BUTTON_LABELS: {sorted(missing)}"
    assert set(SHORT_LABELS) <= set(CUSTOMER_BUTTON_LABELS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("msgid", sorted(CUSTOMER_BUTTON_LABELS))
def test_a_customer_button_fits_a_reply_button_without_being_cut(msgid: str, language: str) -> None:
    params = CUSTOMER_BUTTON_LABELS[msgid]
    text, was_cut = title(msgid, language, params, limit=REPLY_BUTTON_TITLE)
    assert not was_cut, f"{language} {msgid!r} -> {render(msgid, language, params)!r}"
    assert 0 < len(text) <= REPLY_BUTTON_TITLE
    row, _ = title(msgid, language, params, limit=LIST_ROW_TITLE)
    assert len(row) <= LIST_ROW_TITLE


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_button_label_fits(language: str) -> None:
    assert len(render(CHOOSE, language)) <= LIST_BUTTON


def test_kazakh_my_orders_is_21_characters_and_drops_its_emoji() -> None:
    translated = render("📦 My orders", "kk")
    assert translated == "📦 Менің тапсырыстарым" and len(translated) == 21
    assert title("📦 My orders", "kk") == ("Менің тапсырыстарым", False)
    assert title("📦 My orders", "ru") == ("📦 Мои заказы", False)


def test_a_short_form_is_used_where_the_label_does_not_fit() -> None:
    assert len(render("🔁 Order the same as last time", "uz")) > REPLY_BUTTON_TITLE
    assert title("🔁 Order the same as last time", "uz") == ("🔁 Yana buyurtma", False)
    assert title("Ask for a change", "uz") == ("Oʻzgartirish", False)
    assert title("Ask for a change", "ru") == ("Попросить изменить", False)


def test_a_label_carrying_data_is_cut_with_an_ellipsis() -> None:
    name = "Александра Константиновна"
    text, was_cut = title("🔁 To {name} again", "ru", {"name": name})
    assert was_cut and len(text) == REPLY_BUTTON_TITLE and text.endswith("…")
    assert fit("Букет «Нежность» 51 роза", LIST_ROW_TITLE) == ("Букет «Нежность» 51 роза", False)
    assert fit("Букет «Нежность» 101 роза", LIST_ROW_TITLE)[0] == "Букет «Нежность» 101 ро…"


def flow_labels() -> set[str]:
    """The label msgids of every action the shop chat's flow table offers."""
    from core.flows import shop_chat

    tree = ast.parse((ROOT / "core/flows/shop_chat.py").read_text(encoding="utf-8"))
    labels = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Action"):
            continue
        given = [k.value for k in node.keywords if k.arg == "label"] + node.args[2:3]
        for value in given:
            if isinstance(value, ast.Name) and value.id.isupper():
                labels.add(getattr(shop_chat, value.id))
    return labels


def test_every_label_of_the_flow_table_is_checked_here() -> None:
    labels = flow_labels()
    assert "✅ Confirm the order" in labels and "🎂 Birthday" in labels
    missing = labels - set(CUSTOMER_BUTTON_LABELS) - TELEGRAM_ONLY
    assert not missing, f"add these button labels to CUSTOMER_BUTTON_LABELS: {sorted(missing)}"
