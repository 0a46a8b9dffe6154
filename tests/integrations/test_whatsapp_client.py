"""The Graph API client against the fake Graph server over real HTTP: what it sends,
what Meta answers, and which typed error each of Meta's error codes becomes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.whatsapp.client import (
    AccessDenied,
    BadRequest,
    InvalidRecipient,
    ListRow,
    ListSection,
    RateLimited,
    ReengagementRequired,
    ReplyButton,
    TemplateUnavailable,
    Unavailable,
    WhatsAppClient,
    WhatsAppNumber,
)
from tests.fakes.whatsapp import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph

CUSTOMER = "77011234567"


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    fake.add_number(PHONE_NUMBER_ID, TOKEN)
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def number(graph: FakeGraph) -> AsyncIterator[WhatsAppNumber]:
    async with WhatsAppClient(base_url=graph.base_url, version=VERSION) as client:
        yield client.number(phone_number_id=PHONE_NUMBER_ID, access_token=TOKEN)


async def test_a_text_goes_out_and_the_answer_names_the_wamid(
    graph: FakeGraph, number: WhatsAppNumber
) -> None:
    sent = await number.send_text(to=CUSTOMER, body="Сәлем!")
    call = graph.last(CUSTOMER)
    assert sent.id.startswith("wamid.") and sent.id == call.message_id
    assert sent.wa_id == CUSTOMER
    assert call.path == f"/{VERSION}/{PHONE_NUMBER_ID}/messages"
    assert call.token == TOKEN
    assert call.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"body": "Сәлем!", "preview_url": False},
    }


async def test_reply_buttons_list_image_and_template_have_meta_shapes(
    graph: FakeGraph, number: WhatsAppNumber
) -> None:
    graph.add_template("order_update", "ru", params=1, quick_replies=1)
    await number.send_buttons(
        to=CUSTOMER,
        body="Букет готов",
        buttons=[ReplyButton("approval.approve:12", "Нравится"), ReplyButton("x:1", "Нет")],
        image={"link": "https://example.kz/photo.jpg"},
    )
    await number.send_list(
        to=CUSTOMER,
        body="Выберите день",
        button="Выбрать",
        sections=[ListSection("Дни", (ListRow("day:1", "Сегодня", "3 декабря"),))],
    )
    media_id = await number.upload_media(data=b"\xff\xd8jpeg", mime_type="image/jpeg")
    await number.send_image(to=CUSTOMER, media_id=media_id, caption="Доставлено")
    await number.send_template(
        to=CUSTOMER, name="order_update", language="ru", body_params=["12"], quick_replies=["r:7"]
    )
    buttons, listing, image, template = graph.messages(to=CUSTOMER)
    assert buttons.buttons() == [
        {"id": "approval.approve:12", "title": "Нравится"},
        {"id": "x:1", "title": "Нет"},
    ]
    assert buttons.interactive["header"] == {
        "type": "image",
        "image": {"link": "https://example.kz/photo.jpg"},
    }
    assert listing.interactive["action"]["button"] == "Выбрать"
    assert listing.rows() == [{"id": "day:1", "title": "Сегодня", "description": "3 декабря"}]
    assert image.body["image"] == {"id": media_id, "caption": "Доставлено"}
    assert graph.media[media_id][0] == b"\xff\xd8jpeg"
    assert graph.uploads()[0].form == {"messaging_product": "whatsapp", "type": "image/jpeg"}
    assert template.template == {
        "name": "order_update",
        "language": {"code": "ru"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "12"}]},
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": "r:7"}],
            },
        ],
    }
    assert template.answer["messages"][0]["message_status"] == "accepted"


async def test_a_photo_a_customer_sent_is_downloaded_with_the_token(
    graph: FakeGraph, number: WhatsAppNumber
) -> None:
    media_id = graph.add_media(b"\x89PNG customer photo", "image/png")
    content, mime = await number.download_media(media_id=media_id)
    assert (content, mime) == (b"\x89PNG customer photo", "image/png")
    download = graph.calls[-1]
    assert download.path == "/whatsapp_business/attachments/" and download.token == TOKEN


async def test_a_wrong_token_is_access_denied(graph: FakeGraph) -> None:
    async with WhatsAppClient(base_url=graph.base_url, version=VERSION) as client:
        wrong = client.number(phone_number_id=PHONE_NUMBER_ID, access_token="EAAG-wrong")
        with pytest.raises(AccessDenied) as raised:
            await wrong.send_text(to=CUSTOMER, body="hi")
        with pytest.raises(AccessDenied):
            await wrong.download_media(media_id=graph.add_media(b"x"))
    assert (raised.value.code, raised.value.status) == (190, 401)


@pytest.mark.parametrize(
    ("title", "accepted"),
    [
        ("📦 Менің тапсырыстарым", False),  # 21 characters: Kazakh "My orders" today
        ("Менің тапсырыстарым", True),  # 19
        ("x" * 20, True),
    ],
)
async def test_reply_button_titles_are_counted_in_characters(
    number: WhatsAppNumber, title: str, accepted: bool
) -> None:
    send = number.send_buttons(to=CUSTOMER, body="Мәзір", buttons=[ReplyButton("m", title)])
    if accepted:
        await send
        return
    with pytest.raises(BadRequest) as raised:
        await send
    assert raised.value.code == 131009 and "20" in raised.value.details


async def test_whatsapp_limits_are_enforced_as_meta_does(number: WhatsAppNumber) -> None:
    four = [ReplyButton(f"b{i}", f"Button {i}") for i in range(4)]
    rows = tuple(ListRow(f"r{i}", f"Row {i}") for i in range(11))
    attempts = [
        lambda: number.send_buttons(to=CUSTOMER, body="x", buttons=four),
        lambda: number.send_buttons(to=CUSTOMER, body="x" * 1025, buttons=four[:1]),
        lambda: number.send_buttons(
            to=CUSTOMER, body="x", buttons=[ReplyButton("same", "A"), ReplyButton("same", "B")]
        ),
        lambda: number.send_list(
            to=CUSTOMER, body="x", button="Open", sections=[ListSection("", rows)]
        ),
        lambda: number.send_list(
            to=CUSTOMER,
            body="x",
            button="Open",
            sections=[ListSection("", (ListRow("r", "y" * 25),))],
        ),
        lambda: number.send_list(
            to=CUSTOMER,
            body="x",
            button="Open",
            sections=[ListSection("s" * 25, (ListRow("r", "Row"),))],
        ),
        lambda: number.send_list(
            to=CUSTOMER,
            body="x",
            button="Open",
            sections=[ListSection("", rows[:2]), ListSection("Two", rows[2:4])],
        ),
        lambda: number.send_list(
            to=CUSTOMER,
            body="x",
            button="b" * 21,
            sections=[ListSection("", rows[:1])],
        ),
        lambda: number.send_image(to=CUSTOMER, link="https://example.kz/p.jpg", caption="c" * 1025),
        lambda: number.send_text(to=CUSTOMER, body="t" * 4097),
    ]
    for attempt in attempts:
        with pytest.raises(BadRequest) as raised:
            await attempt()
        assert raised.value.code == 131009


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        (130429, None, RateLimited),
        (131056, None, RateLimited),
        (4, None, RateLimited),
        (131047, None, ReengagementRequired),
        (131026, None, InvalidRecipient),
        (131000, None, Unavailable),
        (131016, None, Unavailable),
        (1, 502, Unavailable),
        (131009, None, BadRequest),
    ],
)
async def test_meta_error_codes_become_typed_errors(
    graph: FakeGraph, number: WhatsAppNumber, code: int, status: int | None, error: type
) -> None:
    graph.fail(code=code, status=status)
    with pytest.raises(error) as raised:
        await number.send_text(to=CUSTOMER, body="hi")
    assert raised.value.code == code
    await number.send_text(to=CUSTOMER, body="hi again")
    assert graph.texts(CUSTOMER) == ["hi again"]


async def test_an_unknown_template_is_template_unavailable(number: WhatsAppNumber) -> None:
    with pytest.raises(TemplateUnavailable) as raised:
        await number.send_template(to=CUSTOMER, name="nope", language="kk")
    assert (raised.value.code, raised.value.status) == (132001, 404)


async def test_wrong_template_parameters_are_template_unavailable(
    graph: FakeGraph, number: WhatsAppNumber
) -> None:
    graph.add_template("reminder", "en", params=2)
    with pytest.raises(TemplateUnavailable) as raised:
        await number.send_template(to=CUSTOMER, name="reminder", language="en", body_params=["x"])
    assert raised.value.code == 132000


async def test_a_failure_for_one_customer_leaves_the_others_alone(
    graph: FakeGraph, number: WhatsAppNumber
) -> None:
    graph.fail(code=131026, to="77019998877")
    await number.send_text(to=CUSTOMER, body="fine")
    with pytest.raises(InvalidRecipient):
        await number.send_text(to="77019998877", body="gone")


async def test_an_unreachable_graph_is_unavailable() -> None:
    fake = FakeGraph()
    await fake.start()
    base = fake.base_url
    await fake.close()
    async with WhatsAppClient(base_url=base, version=VERSION, timeout=5) as client:
        number = client.number(phone_number_id=PHONE_NUMBER_ID, access_token=TOKEN)
        with pytest.raises(Unavailable):
            await number.send_text(to=CUSTOMER, body="hi")
