"""An OutgoingMessage rendered into WhatsApp messages: text, reply buttons, lists of at
most 10 rows in sections, image messages with captions, within WhatsApp's limits."""

from __future__ import annotations

from bot.whatsapp.render import render_message, text_parts
from core.ports.chat import Action, OutgoingMessage

MENU_TEXT = "Your order #{number} is assembled."


def action(kind: str, value: str, label: str, **params: object) -> Action:
    return Action(kind=kind, value=value, label=label, label_params=params)


def test_a_text_is_a_text_in_the_readers_language() -> None:
    (content,) = render_message(OutgoingMessage(MENU_TEXT, {"number": 12}, language="kk"))
    assert content == {
        "type": "text",
        "text": {"body": "№12 тапсырысыңыз жиналды.", "preview_url": False},
    }


def test_up_to_three_actions_are_reply_buttons_with_fitted_titles() -> None:
    message = OutgoingMessage(
        MENU_TEXT,
        {"number": 12},
        language="kk",
        actions=[
            [action("menu", "orders", "📦 My orders"), action("menu", "catalog", "🌸 Catalog")],
            [action("menu", "cart", "🛒 Cart")],
        ],
    )
    (content,) = render_message(message)
    interactive = content["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "№12 тапсырысыңыз жиналды."}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "menu:orders", "title": "Менің тапсырыстарым"}},
        {"type": "reply", "reply": {"id": "menu:catalog", "title": "🌸 Каталог"}},
        {"type": "reply", "reply": {"id": "menu:cart", "title": "🛒 Себет"}},
    ]


def test_more_actions_make_a_list_and_more_than_ten_rows_a_second_list() -> None:
    days = [[action("checkout.day", f"2026-12-{d:02d}", f"Day {d}")] for d in range(1, 13)]
    first, second = render_message(OutgoingMessage("Choose", language="en", actions=days))
    for content in (first, second):
        assert content["interactive"]["type"] == "list"
        assert content["interactive"]["action"]["button"] == "Choose"
    rows = [r["id"] for s in first["interactive"]["action"]["sections"] for r in s["rows"]]
    assert rows == [f"checkout.day:2026-12-{d:02d}" for d in range(1, 11)]
    assert first["interactive"]["body"]["text"] == "Choose"
    assert second["interactive"]["body"]["text"] == "More options:"
    assert [r["title"] for r in second["interactive"]["action"]["sections"][0]["rows"]] == [
        "Day 11",
        "Day 12",
    ]


def test_a_title_that_would_be_cut_in_a_button_goes_in_a_list_row() -> None:
    long_name = "Букет «Нежность» 51 роза"  # 24: too long for a button, fits a row
    message = OutgoingMessage(
        "Catalog", language="ru", actions=[[action("product", "5", long_name)]]
    )
    (content,) = render_message(message)
    assert content["interactive"]["type"] == "list"
    assert content["interactive"]["action"]["sections"][0]["rows"][0]["title"] == long_name


def test_section_markers_title_the_list_sections() -> None:
    message = OutgoingMessage(
        "Catalog",
        language="en",
        actions=[
            [action("section", "", "🌸 Catalog")],
            [action("product", str(i), f"Roses {i}") for i in range(3)],
            [action("section", "", "🛒 Cart")],
            [action("product", str(i), f"Tulips {i}") for i in range(3, 5)],
        ],
    )
    (content,) = render_message(message)
    sections = content["interactive"]["action"]["sections"]
    assert [s["title"] for s in sections] == ["🌸 Catalog", "🛒 Cart"]
    assert [len(s["rows"]) for s in sections] == [3, 2]


def test_a_photo_with_buttons_heads_the_buttons_and_photos_alone_carry_the_caption() -> None:
    approve = OutgoingMessage(
        "Your order #{number} is assembled.",
        {"number": 7},
        language="ru",
        actions=[
            [
                action("approval.approve", "7", "Approve"),
                action("approval.change", "7", "Ask for a change"),
            ]
        ],
    )
    (content,) = render_message(approve, images=[{"id": "880001"}])
    assert content["interactive"]["header"] == {"type": "image", "image": {"id": "880001"}}
    assert [b["reply"]["title"] for b in content["interactive"]["action"]["buttons"]] == [
        "Одобрить",
        "Попросить изменить",
    ]

    delivered = OutgoingMessage(
        "Your order #{number} has been delivered. Thank you!", {"number": 7}, language="en"
    )
    first, second = render_message(delivered, images=[{"id": "1"}, {"link": "https://x.kz/2.jpg"}])
    assert first == {
        "type": "image",
        "image": {"id": "1", "caption": "Your order #7 has been delivered. Thank you!"},
    }
    assert second == {"type": "image", "image": {"link": "https://x.kz/2.jpg"}}


def test_a_text_longer_than_an_interactive_body_goes_before_the_buttons() -> None:
    long_text = "Состав: " + "роза, " * 200
    message = OutgoingMessage(
        long_text, language="ru", actions=[[action("menu", "home", "⬅️ Menu")]]
    )
    text, buttons = render_message(message)
    assert text["text"]["body"] == long_text
    assert buttons["interactive"]["body"]["text"] == "Выберите вариант:"


def test_a_very_long_text_is_split_at_line_ends() -> None:
    lines = "\n".join(f"строка {i} " + "x" * 50 for i in range(200))
    parts = text_parts(lines)
    assert len(lines) > 3 * 4096 and len(parts) == 4
    assert all(len(p) <= 4096 and p.endswith("x") and p.startswith("строка") for p in parts)
    assert "\n".join(parts) == lines


def test_a_location_request_is_whatsapps_own_and_a_contact_request_is_no_choice() -> None:
    where = OutgoingMessage(
        "Send the address.",
        language="en",
        actions=[[action("request.location", "", "📍 Send my location")]],
    )
    (content,) = render_message(where)
    assert content == {
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": "Send the address."},
            "action": {"name": "send_location"},
        },
    }
    phone = OutgoingMessage(
        "Share your phone.",
        language="en",
        actions=[[action("request.contact", "", "📱 Share my phone number")]],
    )
    assert render_message(phone) == [
        {"type": "text", "text": {"body": "Share your phone.", "preview_url": False}}
    ]
