"""The customer's menu: which shop a chat opens, the language, catalog cards, my orders,
a question to the shop and its contacts."""

from __future__ import annotations

import pytest

from core.clock import FrozenClock
from core.models import Category, Customer, OutboxEvent, Product, Shop
from core.orders.service import ItemRequest, place_order
from core.photos import demo_photos_dir
from core.runtime import Runtime
from sauda.demo import load_demo
from tests.bot.conftest import BotHarness, deliver_outbox
from tests.factories import give_chats, make_customer, make_product, make_shop
from tests.fakes.telegram import FakeTelegram

STAFF_CHAT = -100777


@pytest.fixture
async def shop() -> Shop:
    shop = await make_shop("Гүлдер", slug="gulder")
    shop.phone = "+77010000000"
    shop.address = "Абай 1"
    await shop.save()
    return shop


@pytest.mark.parametrize(
    ("code", "greeting"),
    [
        ("ru", "Здравствуйте, Aru! Добро пожаловать в Гүлдер."),
        ("kk", "Сәлеметсіз бе, Aru! Гүлдер дүкеніне қош келдіңіз."),
        ("uz", "Assalomu alaykum, Aru! Гүлдер doʻkoniga xush kelibsiz."),
        ("en-GB", "Hello, Aru! Welcome to Гүлдер."),
        (None, "Здравствуйте, Aru! Добро пожаловать в Гүлдер."),
    ],
)
async def test_greeting_is_in_the_telegram_language_or_russian(
    bot_harness: BotHarness, shop: Shop, code: str | None, greeting: str
) -> None:
    user = bot_harness.user(first_name="Aru", language_code=code)
    await user.send("/start shop_gulder")
    assert user.last_text.startswith(greeting)


async def test_a_language_we_do_not_speak_is_asked_to_pick_one_at_the_first_start(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = bot_harness.user(first_name="Aru", language_code="de")
    await user.send("/start shop_gulder")
    assert user.last_text == (
        "Пожалуйста, выберите язык:\nТілді таңдаңыз:\nIltimos, tilni tanlang:\n"
        "Please choose your language:"
    )
    assert user.last().button_texts() == ["Русский", "Қазақша", "Oʻzbekcha", "English"]
    await user.press("Oʻzbekcha")
    assert "Katalog" in " ".join(user.last().button_texts())
    await user.send("/start")
    assert user.last_text.startswith("Assalomu alaykum, Aru!")


async def test_the_language_is_asked_once_only(bot_harness: BotHarness, shop: Shop) -> None:
    user = bot_harness.user(first_name="Aru", language_code="de")
    await user.send("/start shop_gulder")
    await user.send("/start shop_gulder")
    assert user.last_text.startswith("Здравствуйте, Aru! Добро пожаловать в Гүлдер.")


async def test_the_language_switch_is_remembered(bot_harness: BotHarness, shop: Shop) -> None:
    user = bot_harness.user(first_name="Aru", language_code="ru")
    await user.send("/start shop_gulder")
    await user.press("Язык")
    assert user.last_text == "Выберите язык:"
    await user.press("Қазақша")
    assert user.last_text.startswith("Бот тілі — қазақша.")
    assert "🌸 Каталог" in user.last().button_texts()
    await bot_harness.restart()
    await user.send("/start")
    assert user.last_text.startswith("Сәлеметсіз бе, Aru!")


async def test_a_saved_customer_language_wins_over_telegrams(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = bot_harness.user(first_name="Aru", language_code="ru")
    await make_customer(shop=shop, phone="+77011234567", telegram=user.id, language="uz")
    await user.send("/start shop_gulder")
    assert user.last_text.startswith("Assalomu alaykum, Aru!")


async def test_the_only_shop_opens_without_a_link(bot_harness: BotHarness, shop: Shop) -> None:
    user = bot_harness.user(language_code="en")
    await user.send("/start")
    assert "Welcome to Гүлдер." in user.last_text


async def test_with_several_shops_a_link_is_needed(bot_harness: BotHarness, shop: Shop) -> None:
    await make_shop("Second", slug="second")
    user = bot_harness.user(language_code="en")
    await user.send("/start")
    assert user.last_text == (
        "Hello! Please open the bot through your shop's link to start shopping."
    )
    await user.send("/catalog")
    assert user.last_text == "Please open the bot through your shop's link to start shopping."
    await user.send("/start shop_nope")
    assert user.last_text == "This shop link is not valid. Please ask the shop for its link."
    await user.send("/start shop_second")
    assert "Welcome to Second." in user.last_text


async def test_another_shops_link_empties_the_cart(bot_harness: BotHarness, shop: Shop) -> None:
    other = await make_shop("Second", slug="second")
    await make_product(shop, "Roses", price=1000)
    await make_product(other, "Tulips", price=2000)
    user = bot_harness.user(language_code="en")
    await user.send("/start shop_gulder")
    await user.press("Catalog")
    await user.press("Bouquets")
    await user.press("Add to cart")
    await user.send("/start shop_second")
    await user.send("/cart")
    assert user.last_text == "Your cart is empty."


async def test_a_product_with_a_picture_is_sent_as_a_photo_card(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    await make_product(
        shop,
        "Tulips",
        price=12000,
        image_url="https://cdn.example.kz/tulips.jpg",
        description="Nine tulips",
    )
    user = bot_harness.user(language_code="ru")
    await user.send("/start shop_gulder")
    await user.press("Каталог")
    await user.press("Букеты")
    card = telegram.calls_of("sendPhoto")[-1]
    assert card.params["photo"] == "https://cdn.example.kz/tulips.jpg"
    assert card.params["caption"] == "Tulips\n\n12\xa0000 ₸\n\nNine tulips"
    assert "В корзину" in card.button_texts()


async def test_a_card_whose_picture_telegram_refuses_goes_out_as_text(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    await make_product(shop, "Tulips", price=12000, image_url="https://broken.example/x.jpg")
    user = bot_harness.user(language_code="en")
    await user.send("/start shop_gulder")
    await user.press("Catalog")
    telegram.fail("sendPhoto", description="Bad Request: wrong file identifier/HTTP URL")
    await user.press("Bouquets")
    assert user.last().method == "sendMessage"
    assert user.last_text.startswith("Tulips")


async def test_demo_cards_upload_the_shipped_picture_once_then_show_it_by_file_id(
    bot_harness: BotHarness, telegram: FakeTelegram, runtime: Runtime
) -> None:
    # As `sauda demo` on a laptop: the pictures' addresses are on localhost, which
    # Telegram cannot fetch, so the bot uploads them (and the card is not left as text).
    demo = await load_demo(
        data_dir=runtime.settings.data_dir, public_base_url="http://localhost:8000"
    )
    first = await Product.filter(shop_id=demo.shop.id, kind="bouquet").order_by("id").first()
    assert first is not None and first.image_url
    picture = (demo_photos_dir() / first.image_url.rsplit("/", 1)[-1]).read_bytes()
    user = bot_harness.user(language_code="ru")
    await user.send("/start shop_demo")
    await user.press("Каталог")
    await user.press("Букеты")
    card = user.last()
    assert card.method == "sendPhoto" and card.text.startswith(first.name)
    assert list(card.files.values()) == [picture]
    file_id = card.result["photo"][-1]["file_id"]

    other = bot_harness.user(language_code="ru")
    await other.send("/start shop_demo")
    await other.press("Каталог")
    await other.press("Букеты")
    again = other.last()
    assert again.method == "sendPhoto" and again.text.startswith(first.name)
    assert again.files == {} and again.params["photo"] == file_id


async def test_uzbek_prices_are_in_sum(bot_harness: BotHarness) -> None:
    shop = await make_shop("Gullar", slug="gullar", timezone="Asia/Tashkent", currency="UZS")
    await make_product(shop, "Atirgullar", price=250000)
    user = bot_harness.user(language_code="uz")
    await user.send("/start shop_gullar")
    await user.press("Katalog")
    await user.press("Guldastalar")
    assert "250\xa0000 soʻm" in user.last_text


async def test_an_empty_catalog_says_so(bot_harness: BotHarness, shop: Shop) -> None:
    user = bot_harness.user(language_code="en")
    await user.send("/start shop_gulder")
    await user.press("Catalog")
    assert user.last_text == "The catalog is empty for now. Please come back later."


async def test_my_orders_shows_only_the_persons_own_orders(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    product = await make_product(shop, "Roses", price=1000)
    user = bot_harness.user(language_code="en")
    await user.send("/start shop_gulder")
    await user.press("My orders")
    assert user.last_text == "You have no orders yet."

    mine = await place_order(
        shop_id=shop.id, customer_phone="+77011234567", items=[ItemRequest(product.id, 3)]
    )
    theirs = await place_order(
        shop_id=shop.id, customer_phone="+77019999999", items=[ItemRequest(product.id, 1)]
    )
    await give_chats(await Customer.get(id=mine.customer_id), telegram=user.id)  # type: ignore[attr-defined]
    await user.send("/myorders")
    assert user.last().button_texts()[:-1] == [f"#{mine.number} · New · 3,000 ₸"]
    await user.press(f"#{mine.number}")
    assert user.last_text.startswith(f"Order #{mine.number}\nStatus: New\n\n• Roses × 3")
    await user.press_data(f"ord:{theirs.id}")
    assert telegram.calls_of("answerCallbackQuery")[-1].params["text"] == "Order not found."


async def test_a_question_reaches_the_staff_chat(
    bot_harness: BotHarness,
    telegram: FakeTelegram,
    shop: Shop,
    runtime: Runtime,
    clock: FrozenClock,
) -> None:
    shop.staff_chat_id = STAFF_CHAT
    await shop.save()
    user = bot_harness.user(first_name="Aru", language_code="en", username="aru_kz")
    await user.send("/start shop_gulder")
    await user.press("Ask a question")
    await user.send_photo()
    assert user.last_text.startswith("Please send your question as text.")
    await user.send("Do you deliver to Talgar?")
    assert user.last_text.startswith("Thank you! The shop will get back to you soon.")
    row = await OutboxEvent.get(event_type="customer.question")
    assert row.destination == str(STAFF_CHAT)
    await deliver_outbox(runtime, clock)
    assert telegram.texts(STAFF_CHAT)[-1] == (
        "Вопрос от клиента Aru (@aru_kz):\n\nDo you deliver to Talgar?"
    )


async def test_without_a_staff_chat_the_customer_is_told_to_call(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = bot_harness.user(language_code="en")
    await user.send("/start shop_gulder")
    await user.press("Ask a question")
    await user.send("Hello?")
    assert user.last_text.startswith(
        "Sorry, the shop cannot take questions in the chat right now. Please call +77010000000."
    )
    assert await OutboxEvent.filter(event_type="customer.question").count() == 0


async def test_contacts_show_the_shops_phone_and_address(
    bot_harness: BotHarness, shop: Shop
) -> None:
    user = bot_harness.user(language_code="ru")
    await user.send("/start shop_gulder")
    await user.press("Контакты")
    assert user.last_text == "Гүлдер\nТелефон: +77010000000\nАдрес: Абай 1"


async def test_group_chats_are_not_the_customers_business(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    member = bot_harness.group_member(-100999, language_code="en")
    await member.send("hello everyone")
    assert telegram.sent(-100999) == []


NOT_TEXT = {
    "sticker": {
        "sticker": {
            "file_id": "CAACsticker",
            "file_unique_id": "usticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "🌹",
        }
    },
    "photo": {
        "photo": [{"file_id": "AgACphoto", "file_unique_id": "uphoto", "width": 90, "height": 90}]
    },
    "voice": {"voice": {"file_id": "AwACvoice", "file_unique_id": "uvoice", "duration": 3}},
    "document": {
        "document": {"file_id": "BQACdoc", "file_unique_id": "udoc", "file_name": "list.pdf"}
    },
}


@pytest.mark.parametrize(
    ("code", "lead"),
    [
        ("en", "I cannot take stickers, photos, voice messages or files here."),
        ("ru", "Стикеры, фото, голосовые сообщения и файлы здесь я не принимаю."),
    ],
)
async def test_a_sticker_photo_voice_or_file_outside_a_flow_gets_the_menu(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop, code: str, lead: str
) -> None:
    user = bot_harness.user(language_code=code)
    await user.send("/start shop_gulder")
    for kind, content in NOT_TEXT.items():
        answered = len(telegram.sent(user.id))
        await bot_harness.feed(telegram.message_update(user.user, **content))
        replies = telegram.sent(user.id)[answered:]
        assert len(replies) == 1, kind
        assert (replies[0].text or "").startswith(lead), kind
        assert len(replies[0].button_texts()) >= 4, kind  # the main menu


def bot_messages(telegram: FakeTelegram, chat_id: int) -> list[dict]:
    return [m for (chat, _), m in telegram.messages.items() if chat == chat_id]


async def test_browsing_the_catalog_edits_one_message_in_place(
    bot_harness: BotHarness, telegram: FakeTelegram, shop: Shop
) -> None:
    for name in ("Peonies", "Roses", "Tulips"):
        await make_product(
            shop, name, price=10000, image_url=f"https://cdn.example.kz/{name.lower()}.jpg"
        )
    gifts = await Category.create(shop=shop, name="Gifts")
    for name in ("Card", "Teddy bear"):
        await make_product(shop, name, price=2000, category=gifts)
    user = bot_harness.user(language_code="en")
    await user.send("/start shop_gulder")
    assert len(telegram.sent(user.id)) == 1

    await user.press("Catalog")
    assert user.last().method == "editMessageText"
    assert user.last_text == "Choose a section:"
    await user.press("Bouquets")
    assert user.last().method == "sendPhoto"  # a text cannot become a photo: replaced
    assert len(bot_messages(telegram, user.id)) == 1
    await user.press("▶️")
    assert user.last().method == "editMessageMedia"
    assert user.last_text.startswith("Roses")
    assert user.last().params["media"]["media"] == "https://cdn.example.kz/roses.jpg"
    assert "2/3" in user.last().button_texts()
    await user.press("▶️")
    await user.press("◀️")
    assert user.last().method == "editMessageMedia" and user.last_text.startswith("Roses")
    await user.press("⬅️ Catalog")
    assert user.last_text == "Choose a section:"
    await user.press("Gifts")
    assert user.last().method == "editMessageText" and user.last_text.startswith("Card")
    await user.press("▶️")
    assert user.last().method == "editMessageText" and user.last_text.startswith("Teddy bear")
    await user.press("⬅️ Catalog")
    await user.press("⬅️ Menu")
    assert user.last().method == "editMessageText"
    assert user.last_text == "What would you like to do?"

    assert len(bot_messages(telegram, user.id)) == 1
    assert len(telegram.calls_of("editMessageMedia", ok=True)) == 3
    # Pages are edits: only the two switches between text and photo sent anew.
    assert [c.method for c in telegram.sent(user.id)] == [
        "sendMessage",
        "sendPhoto",
        "sendMessage",
    ]
