"""The catalog from the staff bot: a florist adds a product with a photo in five answers,
a customer finds it in the catalog, and its card changes the price and availability."""

from __future__ import annotations

from core import storefront
from core.models import Category, Product
from core.photos import local_photo
from tests.bot.staff_world import build_world
from tests.core.test_photos import jpeg_with_gps


async def test_a_florist_adds_a_product_with_a_photo_and_a_customer_sees_it(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    florist = world.private["florist"]
    await florist.send("/newproduct")
    assert florist.last_text.startswith("A new product. Send its photo")
    await florist.send("here")
    assert "photo of the product" in florist.last_text
    await florist.send_photo(jpeg_with_gps())
    assert florist.last_text == "What is it called?"
    await florist.send("Spring tulips")
    assert florist.last_text == "Its price in ₸, a whole number?"
    await florist.send("fifteen")
    assert "whole number" in florist.last_text
    await florist.send("15 000")
    assert "Which category?" in florist.last_text
    assert florist.last().button_texts() == ["No category"]
    await florist.send("Tulips")
    assert florist.last_text == "Is it in stock now?"
    await florist.press("Yes, in stock")

    product = await Product.get(name="Spring tulips")
    assert product.shop_id == world.shop.id  # type: ignore[attr-defined]
    assert product.price == 15000 and product.is_active
    assert (await Category.get(id=product.category_id)).name == "Tulips"  # type: ignore[attr-defined]
    stored = local_photo(runtime.settings.data_dir, product.image_url)
    assert stored is not None and stored.read_bytes()[:2] == b"\xff\xd8"
    assert b"GPS" not in stored.read_bytes()
    assert "Customers see it now" in florist.texts()[-2]
    card = florist.last()
    assert card.method == "sendPhoto"
    assert list(card.files.values()) == [stored.read_bytes()]  # the cleaned picture
    assert card.text == "Spring tulips\n15,000 ₸\nCategory: Tulips\n✅ In stock"

    customer = world.customer
    await customer.send("/start")
    await customer.press("Catalog")
    assert "Tulips (1)" in customer.last().button_texts()
    await customer.press("Tulips (1)")
    shown = customer.last()
    assert shown.method == "sendPhoto"
    # The cleaned picture, by the file id Telegram gave the florist's card (one upload).
    file_id = card.result["photo"][-1]["file_id"]
    assert shown.files == {} and shown.params["photo"] == file_id
    assert telegram.files[file_id] == stored.read_bytes()
    assert shown.text.startswith("Spring tulips\n\n15,000 ₸")

    # From the card: not in stock (the card changes in place), then a new price.
    await florist.press("Mark not in stock")
    assert not (await Product.get(id=product.id)).is_active
    assert florist.last().method == "editMessageCaption"
    assert florist.last_text.endswith("⛔ Not in stock")
    sections = await storefront.catalog_sections(shop_id=world.shop.id)
    assert all(s.name != "Tulips" for s in sections)
    await florist.press("Mark in stock")
    await florist.press("Change the price")
    await florist.send("17000")
    assert (await Product.get(id=product.id)).price == 17000
    assert florist.last_text.startswith("Spring tulips\n17,000 ₸")

    await florist.send("/products")
    assert florist.last().button_texts() == ["Bouquet of 9 roses", "Spring tulips"]
    # The card shows the picture by the file id Telegram gave its upload, not a new one.
    await florist.press("Spring tulips")
    again = florist.last()
    assert again.method == "sendPhoto" and again.text.startswith("Spring tulips")
    assert again.files == {}
    assert again.params["photo"] == file_id


async def test_a_cashier_may_not_edit_the_catalog(bot_harness, telegram, runtime, clock) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    cashier = world.private["cashier"]
    await cashier.send("/newproduct")
    assert cashier.last_text == "Your role cannot do this."
    product = await Product.get(shop_id=world.shop.id)
    await cashier.press_data(f"spc:stock:{product.id}")
    assert world.last_answer().params["show_alert"] is True
    assert (await Product.get(id=product.id)).is_active
    stranger = bot_harness.user(user_id=9_999_002, language_code="en")
    await stranger.send("/newproduct")
    assert "/staff" in stranger.last_text


async def test_a_florist_translates_a_product_and_a_kazakh_customer_reads_it(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    florist = world.private["florist"]
    product = await Product.get(shop_id=world.shop.id)
    await florist.send("/products")
    await florist.press(product.name)
    await florist.press("🌐 Translate")
    assert florist.last_text == f"Which language is the translation of {product.name} for?"
    assert florist.last().button_texts() == ["Русский", "Қазақша", "Oʻzbekcha", "English"]
    await florist.press("Қазақша")
    assert florist.last_text == f"The name of {product.name} in Қазақша? /cancel to stop."
    await florist.send("   ")
    assert florist.last_text == "The name must not be empty."
    await florist.send("x" * 301)
    assert florist.last_text == "The name is too long: at most 300 characters."
    await florist.send("9 раушаннан гүл шоғы")
    assert florist.last_text == "And its description in Қазақша? Send /skip to leave it out."
    await florist.send("Тоғыз қызыл раушан")
    assert florist.texts()[-2] == "Saved: customers reading Қазақша see “9 раушаннан гүл шоғы”."
    assert florist.last_text.endswith("🌐 Translations: Қазақша")
    stored = await Product.get(id=product.id)
    assert stored.translations == {
        "kk": {"name": "9 раушаннан гүл шоғы", "description": "Тоғыз қызыл раушан"}
    }
    assert stored.name == product.name  # the shop's own name stays

    # English, without a description.
    await florist.press("🌐 Translate")
    await florist.press("English")
    await florist.send("Nine roses")
    await florist.send("/skip")
    stored = await Product.get(id=product.id)
    assert stored.translations["en"] == {"name": "Nine roses", "description": None}
    assert stored.translations["kk"]["name"] == "9 раушаннан гүл шоғы"

    kazakh = bot_harness.user(user_id=9_999_003, first_name="Әйгерім", language_code="kk")
    await kazakh.send("/start")
    await kazakh.press("Каталог")
    await kazakh.press("Гүл шоқтары")
    assert kazakh.last_text.startswith("9 раушаннан гүл шоғы\n\n")
    assert kazakh.last_text.endswith("Тоғыз қызыл раушан")


async def test_a_cashier_may_not_translate(bot_harness, telegram, runtime, clock) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    cashier = world.private["cashier"]
    product = await Product.get(shop_id=world.shop.id)
    await cashier.press_data(f"spt:{product.id}:kk")
    assert world.last_answer().params["show_alert"] is True
    assert (await Product.get(id=product.id)).translations == {}
