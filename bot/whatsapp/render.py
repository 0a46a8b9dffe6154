"""An `OutgoingMessage` as WhatsApp messages (the `type` + object of Graph API calls).

The text is rendered in the reader's language (gettext `messages`, bot.i18n.render);
the actions become choices, each with its id (bot.whatsapp.actions) and a title fitted
to WhatsApp's limits (bot.whatsapp.labels):

| the message has                       | it goes out as                                           |
|---------------------------------------|----------------------------------------------------------|
| text only                             | text (split in 4096-character parts if longer)           |
| 1-3 actions whose titles fit 20 and differ | interactive reply buttons, the text as body         |
| more actions, or titles that do not fit | interactive list ("Choose"), rows of 24, 10 a message;  |
|                                       | a later message of the same list says "More options:"   |
| one photo and reply buttons           | the buttons with the photo as header image               |
| a location request (`request.location`) | an interactive location request, the text as body     |
| photos (otherwise)                    | one image each; the first has the text as caption when   |
|                                       | nothing else follows, else the text/choices come after   |

An interactive body or a caption holds at most 1024 characters: a longer text goes
first as its own text message and the choices follow with "Choose an option:".
An action of kind `section` is not a choice: its label titles the list section of the
actions after it (a list then has one section per such marker, each title <= 24).

Photos arrive here already resolved by the deliverer into `{"link": url}` or
`{"id": media_id}` (an uploaded courier photo).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.rendering import render
from bot.whatsapp.actions import encode_action
from bot.whatsapp.labels import (
    CAPTION,
    CHOOSE,
    CHOOSE_PROMPT,
    INTERACTIVE_BODY,
    LIST_BUTTON,
    LIST_ROW_TITLE,
    MORE_OPTIONS,
    REPLY_BUTTON_TITLE,
    SECTION_TITLE,
    TEXT_BODY,
    title,
)
from core.ports.chat import Action, OutgoingMessage

SECTION = "section"
MAX_BUTTONS = 3
MAX_ROWS = 10


@dataclass
class _Section:
    title: str
    rows: list[dict[str, str]] = field(default_factory=list)


def text_parts(text: str, limit: int = TEXT_BODY) -> list[str]:
    """A text cut into parts of at most `limit` characters, at line ends where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut_at = rest.rfind("\n", 0, limit)
        if cut_at <= 0:
            cut_at = limit
        parts.append(rest[:cut_at])
        rest = rest[cut_at:].lstrip("\n")
    if rest or not parts:
        parts.append(rest)
    return parts


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


REQUEST_LOCATION = "request.location"
REQUEST_CONTACT = "request.contact"


def _choices(actions: Sequence[Sequence[Action]]) -> list[Action]:
    """The actions that are choices (a contact request is not one: the wa_id is the
    phone; a location request is a message of its own kind)."""
    return [
        action
        for row in actions
        for action in row
        if action.kind not in (REQUEST_CONTACT, REQUEST_LOCATION)
    ]


def _asks_location(actions: Sequence[Sequence[Action]]) -> bool:
    return any(action.kind == REQUEST_LOCATION for row in actions for action in row)


def _buttons(choices: list[Action], language: str) -> list[dict[str, Any]] | None:
    """Reply buttons for the choices, or None when they cannot be (too many, a title that
    would have to be cut, two the same)."""
    if not 1 <= len(choices) <= MAX_BUTTONS or any(c.kind == SECTION for c in choices):
        return None
    buttons: list[dict[str, Any]] = []
    titles: list[str] = []
    for action in choices:
        label, was_cut = title(
            action.label, language, action.label_params, limit=REPLY_BUTTON_TITLE
        )
        if was_cut:
            return None
        buttons.append({"type": "reply", "reply": {"id": encode_action(action), "title": label}})
        titles.append(label)
    if len(set(titles)) != len(titles):
        return None
    return buttons


def _sections(choices: list[Action], language: str) -> list[_Section]:
    sections: list[_Section] = []
    for action in choices:
        if action.kind == SECTION:
            name, _ = title(action.label, language, action.label_params, limit=SECTION_TITLE)
            sections.append(_Section(name))
            continue
        if not sections:
            sections.append(_Section(""))
        label, _ = title(action.label, language, action.label_params, limit=LIST_ROW_TITLE)
        sections[-1].rows.append({"id": encode_action(action), "title": label})
    return [s for s in sections if s.rows]


def _lists(sections: list[_Section], language: str) -> list[dict[str, Any]]:
    """List messages of at most 10 rows each (sections split where they must)."""
    pages: list[list[_Section]] = [[]]
    count = 0
    for section in sections:
        rows = list(section.rows)
        while rows:
            room = MAX_ROWS - count
            if room == 0:
                pages.append([])
                count, room = 0, MAX_ROWS
            taken, rows = rows[:room], rows[room:]
            pages[-1].append(_Section(section.title, taken))
            count += len(taken)
    button, _ = title(CHOOSE, language, limit=LIST_BUTTON)
    lists = []
    for page in pages:
        named = len(page) > 1
        lists.append(
            {
                "type": "list",
                "button": button,
                "sections": [
                    {
                        **({"title": s.title or button} if named or s.title else {}),
                        "rows": s.rows,
                    }
                    for s in page
                ],
            }
        )
    return lists


def _interactive(
    kind: str, body: str, action: dict[str, Any], header: dict[str, Any] | None = None
) -> dict[str, Any]:
    interactive: dict[str, Any] = {"type": kind, "body": {"text": body}, "action": action}
    if header:
        interactive["header"] = header
    return {"type": "interactive", "interactive": interactive}


def render_message(
    message: OutgoingMessage, *, images: Sequence[dict[str, str]] = ()
) -> list[dict[str, Any]]:
    """The WhatsApp messages (Graph `type` + object) that say `message`, in order."""
    language = message.language
    text = render(message.text, language, dict(message.params)) if message.text else ""
    choices = _choices(message.actions)
    contents: list[dict[str, Any]] = []
    buttons = _buttons(choices, language) if choices else None
    images = list(images)

    if _asks_location(message.actions) and not choices and not images:
        parts = text_parts(text, INTERACTIVE_BODY) if text else [render(CHOOSE_PROMPT, language)]
        return [_text(part) for part in parts[:-1]] + [
            _interactive("location_request_message", parts[-1], {"name": "send_location"})
        ]
    if buttons is not None and len(images) == 1 and len(text) <= INTERACTIVE_BODY:
        body = text or render(CHOOSE_PROMPT, language)
        return [
            _interactive(
                "button", body, {"buttons": buttons}, {"type": "image", "image": dict(images[0])}
            )
        ]
    caption_used = False
    for index, image in enumerate(images):
        item: dict[str, Any] = dict(image)
        if index == 0 and not choices and text and len(text) <= CAPTION:
            item["caption"] = text
            caption_used = True
        contents.append({"type": "image", "image": item})
    if caption_used:
        return contents

    if not choices:
        if text or not contents:
            contents.extend(_text(part) for part in text_parts(text))
        return contents

    body = text
    if not body or len(body) > INTERACTIVE_BODY:
        if body:
            contents.extend(_text(part) for part in text_parts(body))
        body = render(CHOOSE_PROMPT, language)
    if buttons is not None:
        contents.append(_interactive("button", body, {"buttons": buttons}))
        return contents
    more = render(MORE_OPTIONS, language)
    for index, listing in enumerate(_lists(_sections(choices, language), language)):
        action = {"button": listing["button"], "sections": listing["sections"]}
        contents.append(_interactive("list", body if index == 0 else more, action))
    return contents


def summary(content: dict[str, Any]) -> str:
    """What a person reads first in one rendered message (kept on our Message row)."""
    kind = content.get("type")
    if kind == "text":
        return str(content["text"]["body"])
    if kind == "interactive":
        return str(content["interactive"]["body"]["text"])
    if kind == "image":
        return str(content["image"].get("caption", ""))
    if kind == "template":
        return f"[template {content['template']['name']}]"
    return ""
