"""The catalog from the staff bot: a florist with only a phone adds and edits products.

    /newproduct [slug]   (private chat, a member whose role may edit the catalog)
        ProductFlow.photo      a photo (or /skip)         the cleaned picture is stored
        ProductFlow.name       the name (text)
        ProductFlow.price      a whole number             "15 000" is fine
        ProductFlow.category   a category button, "No category", or a new name (text)
        ProductFlow.in_stock   Yes / No                   the product is added; its card
    /products [slug]     the shop's products as buttons -> a product card
    product card         "Change the price" (ProductFlow.new_price: a number),
                         "In stock" / "Not in stock" (edited in place), and
                         "Translate": a language button ->
        ProductFlow.translation_name         the name in that language (text)
        ProductFlow.translation_description  its description (text) or /skip
                                             saved (core.catalog.translate_product),
                                             the card again; customers reading that
                                             language see these texts

/cancel leaves any of these states. The rules (who may, sane prices, what "in stock"
means) are core.catalog's; handlers parse and render only.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from bot.routers.staff_states import (
    PRODUCT_DRAFT_KEY,
    PRODUCT_EDIT_KEY,
    PRODUCT_TRANSLATION_KEY,
    ProductFlow,
)
from bot.staff_cards import explain
from bot.staff_media import download_image, has_image, product_picture, remember_picture
from bot.texts import money
from core import catalog, photos, staff
from core.catalog_texts import DESCRIPTION_MAX, NAME_MAX
from core.errors import DomainError, NotFound, ValidationFailed
from core.i18n import LANGUAGE_NAMES, LANGUAGES
from core.models import Product
from core.permissions import Action, may
from core.runtime import Runtime

LIST_LIMIT = 40


class NewProductCb(CallbackData, prefix="snp"):
    """A choice while adding a product: `step` is `category` or `stock`."""

    step: str
    value: str


class ProductCb(CallbackData, prefix="spc"):
    """A press on a staff product card (or the /products list)."""

    action: str  # open, price, stock, translate
    product_id: int


class TranslateCb(CallbackData, prefix="spt"):
    """A language picked for a product's translation."""

    product_id: int
    language: str


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


async def _editors(telegram_id: int, slug: str) -> list[staff.StaffMember] | str:
    """The presser's memberships that may edit the catalog (the named shop's only), or
    the answer why there are none or which shop to name."""
    members = await staff.staff_memberships(telegram_id=telegram_id)
    if not members:
        return _("Open a private chat with me and send /staff to share your contact first.")
    editors = [m for m in members if may(m.roles, Action.EDIT_CATALOG)]
    if not editors:
        return _("Your role cannot do this.")
    if slug:
        shops = {m.shop_id: await staff.shop_by_id(shop_id=m.shop_id) for m in editors}
        editors = [m for m in editors if shops[m.shop_id].slug == slug]
        if not editors:
            return _("No shop of yours has the name {slug}.").format(slug=slug)
    return editors


async def _one_editor(message: Message, command: CommandObject) -> staff.StaffMember | None:
    person = message.from_user
    if person is None:
        return None
    found = await _editors(person.id, (command.args or "").strip())
    if isinstance(found, str):
        await message.answer(found)
        return None
    if len(found) > 1:
        slugs = [(await staff.shop_by_id(shop_id=m.shop_id)).slug for m in found]
        await message.answer(
            _("You work in several shops. Name one: {commands}").format(
                commands=", ".join(f"/{command.command} {slug}" for slug in slugs)
            )
        )
        return None
    return found[0]


async def _editor_of(telegram_id: int, product_id: int) -> tuple[staff.StaffMember, Product]:
    """The presser as an editor of the product's shop; NotFound for anyone else."""
    found = await _editors(telegram_id, "")
    for member in found if not isinstance(found, str) else []:
        try:
            product = await catalog.get_product(shop_id=member.shop_id, product_id=product_id)
        except NotFound:
            continue
        return member, product
    raise NotFound("Product")


# --- the card --------------------------------------------------------------------------


async def card_text(product: Product) -> str:
    shop = await staff.shop_by_id(shop_id=product.shop_id)  # type: ignore[attr-defined]
    lines = [product.name, money(product.current_price, str(shop.currency))]
    if product.category_id is not None:  # type: ignore[attr-defined]
        category = await product.category  # type: ignore[misc]
        if category is not None:
            lines.append(_("Category: {name}").format(name=category.name))
    lines.append(_("✅ In stock") if product.is_active else _("⛔ Not in stock"))
    translated = [code for code in LANGUAGES if code in (product.translations or {})]
    if translated:
        lines.append(
            _("🌐 Translations: {languages}").format(
                languages=", ".join(LANGUAGE_NAMES[code] for code in translated)
            )
        )
    return "\n".join(lines)


def card_keyboard(product: Product) -> InlineKeyboardMarkup:
    stock = (
        _button(_("Mark not in stock"), ProductCb(action="stock", product_id=product.id))
        if product.is_active
        else _button(_("Mark in stock"), ProductCb(action="stock", product_id=product.id))
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("✏️ Change the price"), ProductCb(action="price", product_id=product.id))],
            [stock],
            [_button(_("🌐 Translate"), ProductCb(action="translate", product_id=product.id))],
        ]
    )


async def send_card(bot: Bot, chat_id: int, product: Product, runtime: Runtime) -> None:
    text = await card_text(product)
    markup = card_keyboard(product)
    picture = await product_picture(product, bot, runtime)
    if picture is not None:
        try:
            sent = await bot.send_photo(
                chat_id=chat_id, photo=picture.source, caption=text, reply_markup=markup
            )
        except TelegramBadRequest:
            pass  # Telegram could not fetch the picture: the card goes out as text.
        else:
            await remember_picture(picture, sent, runtime)
            return
    await bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)


async def _redraw(message: Message, product: Product) -> None:
    text = await card_text(product)
    markup = card_keyboard(product)
    try:
        if message.photo:
            await message.edit_caption(caption=text, reply_markup=markup)
        else:
            await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in str(error):
            raise


# --- /newproduct -------------------------------------------------------------------------


async def _draft(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(PRODUCT_DRAFT_KEY) or {})


async def _keep(state: FSMContext, draft: dict[str, Any], step: Any) -> None:
    await state.set_state(step)
    await state.update_data({PRODUCT_DRAFT_KEY: draft})


async def _leave(state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data(
        {PRODUCT_DRAFT_KEY: None, PRODUCT_EDIT_KEY: None, PRODUCT_TRANSLATION_KEY: None}
    )


async def on_new_product(message: Message, command: CommandObject, state: FSMContext) -> None:
    member = await _one_editor(message, command)
    if member is None:
        return
    await _keep(state, {"shop_id": member.shop_id}, ProductFlow.photo)
    await message.answer(
        _("A new product. Send its photo (or /skip to add it without one). /cancel to stop.")
    )


async def _ask_name(message: Message) -> None:
    await message.answer(_("What is it called?"))


async def on_photo(message: Message, state: FSMContext, bot: Bot, runtime: Runtime) -> None:
    draft = await _draft(state)
    settings = runtime.settings
    try:
        upload = await download_image(bot, message)
        stored = await photos.store_photo(
            data=upload.data, data_dir=settings.data_dir, public_base_url=settings.public_base_url
        )
    except DomainError as error:
        await message.answer(explain(error))
        return
    draft["image_url"] = stored.url
    await _keep(state, draft, ProductFlow.name)
    await _ask_name(message)


async def on_skip_photo(message: Message, state: FSMContext) -> None:
    await _keep(state, await _draft(state), ProductFlow.name)
    await _ask_name(message)


async def on_not_photo(message: Message) -> None:
    await message.answer(_("Please send a photo of the product (or /skip)."))


async def on_name(message: Message, state: FSMContext) -> None:
    name = (message.text or "").strip()
    if not name:
        await _ask_name(message)
        return
    draft = await _draft(state)
    draft["name"] = name[:300]
    await _keep(state, draft, ProductFlow.price)
    shop = await staff.shop_by_id(shop_id=int(draft["shop_id"]))
    await message.answer(
        _("Its price in {currency}, a whole number?").format(currency=money_unit(shop.currency))
    )


def money_unit(currency: str) -> str:
    return money(0, str(currency)).removeprefix("0").strip()


def parse_price(text: str | None) -> int | None:
    """A whole, non-negative price from what a person types ("15 000", "15000 ₸")."""
    digits = "".join(ch for ch in (text or "") if not ch.isspace() and ch not in "₸.,")
    for unit in ("сум", "sum", "soʻm", "so'm", "тг", "tg"):
        digits = digits.removesuffix(unit)
    if not digits.isdigit() or len(digits) > 12:
        return None
    return int(digits)


async def on_price(message: Message, state: FSMContext) -> None:
    price = parse_price(message.text)
    if price is None:
        await message.answer(_("Please write the price as a whole number, for example 15000."))
        return
    draft = await _draft(state)
    draft["price"] = price
    await _keep(state, draft, ProductFlow.category)
    categories = await catalog.shop_categories(shop_id=int(draft["shop_id"]))
    rows = [
        [_button(c.name, NewProductCb(step="category", value=str(c.id)))]
        for c in categories[:LIST_LIMIT]
    ]
    rows.append([_button(_("No category"), NewProductCb(step="category", value="none"))])
    await message.answer(
        _("Which category? Pick one, or write the name of a new one."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def _ask_stock(message: Message) -> None:
    await message.answer(
        _("Is it in stock now?"),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(_("Yes, in stock"), NewProductCb(step="stock", value="yes")),
                    _button(_("No, not yet"), NewProductCb(step="stock", value="no")),
                ]
            ]
        ),
    )


async def on_category_pick(
    query: CallbackQuery, callback_data: NewProductCb, state: FSMContext
) -> None:
    draft = await _draft(state)
    if await state.get_state() != ProductFlow.category.state or callback_data.step != "category":
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    draft["category_id"] = None if callback_data.value == "none" else int(callback_data.value)
    await _keep(state, draft, ProductFlow.in_stock)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _ask_stock(query.message)


async def on_category_name(message: Message, state: FSMContext) -> None:
    name = (message.text or "").strip()
    if not name:
        return
    draft = await _draft(state)
    draft["category_name"] = name[:200]
    await _keep(state, draft, ProductFlow.in_stock)
    await _ask_stock(message)


async def on_stock_pick(
    query: CallbackQuery,
    callback_data: NewProductCb,
    state: FSMContext,
    bot: Bot,
    runtime: Runtime,
) -> None:
    draft = await _draft(state)
    if await state.get_state() != ProductFlow.in_stock.state or "name" not in draft:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    member = await staff.staff_member(telegram_id=query.from_user.id, shop_id=int(draft["shop_id"]))
    try:
        if member is None:
            raise NotFound("Staff member")
        product = await catalog.add_product(
            shop_id=member.shop_id,
            roles=member.roles,
            name=str(draft["name"]),
            price=int(draft["price"]),
            category_id=draft.get("category_id"),
            category_name=draft.get("category_name"),
            in_stock=callback_data.value == "yes",
            image_url=draft.get("image_url"),
        )
    except DomainError as error:
        await _leave(state)
        await query.answer(_product_error(error), show_alert=True)
        return
    await _leave(state)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(
            _("Added to the catalog: {name}. Customers see it now.").format(name=product.name)
            if product.is_active
            else _("Added: {name}. Customers will see it once it is in stock.").format(
                name=product.name
            )
        )
        await send_card(bot, query.message.chat.id, product, runtime)


def _product_error(error: DomainError) -> str:
    if isinstance(error, ValidationFailed):
        return _("Please write the price as a whole number, for example 15000.")
    if isinstance(error, NotFound):
        return _("Product not found.")
    return explain(error)


async def on_cancel(message: Message, state: FSMContext) -> None:
    await _leave(state)
    await message.answer(_("Stopped. Nothing was changed."))


# --- /products and the card's buttons ------------------------------------------------------


async def on_products(message: Message, command: CommandObject) -> None:
    member = await _one_editor(message, command)
    if member is None:
        return
    products, total = await catalog.list_products(
        shop_id=member.shop_id, spec=catalog.ProductFilter(), limit=LIST_LIMIT
    )
    if not products:
        await message.answer(_("The catalog is empty. Add a product: /newproduct"))
        return
    rows = [
        [
            _button(
                f"{'' if p.is_active else '⛔ '}{p.name}",
                ProductCb(action="open", product_id=p.id),
            )
        ]
        for p in products
    ]
    await message.answer(
        _("Products ({count}). Open one to change it; a new one: /newproduct").format(count=total),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def on_card_press(
    query: CallbackQuery,
    callback_data: ProductCb,
    state: FSMContext,
    bot: Bot,
    runtime: Runtime,
) -> None:
    try:
        member, product = await _editor_of(query.from_user.id, callback_data.product_id)
        if callback_data.action == "stock":
            product = await catalog.change_product(
                shop_id=member.shop_id,
                roles=member.roles,
                product_id=product.id,
                in_stock=not product.is_active,
            )
    except DomainError as error:
        await query.answer(_product_error(error), show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    if callback_data.action == "open":
        await query.answer()
        if message is not None:
            await send_card(bot, message.chat.id, product, runtime)
    elif callback_data.action == "stock":
        await query.answer(_("✅ In stock") if product.is_active else _("⛔ Not in stock"))
        if message is not None:
            await _redraw(message, product)
    elif callback_data.action == "price":
        await state.set_state(ProductFlow.new_price)
        await state.update_data({PRODUCT_EDIT_KEY: product.id})
        await query.answer()
        if message is not None:
            await message.answer(
                _("The new price of {name}, a whole number? /cancel to keep it.").format(
                    name=product.name
                )
            )
    elif callback_data.action == "translate":
        await query.answer()
        if message is not None:
            await message.answer(
                _("Which language is the translation of {name} for?").format(name=product.name),
                reply_markup=_languages(product.id),
            )
    else:
        await query.answer()


# --- translations ------------------------------------------------------------------------


def _languages(product_id: int) -> InlineKeyboardMarkup:
    buttons = [
        _button(LANGUAGE_NAMES[code], TranslateCb(product_id=product_id, language=code))
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:2], buttons[2:]])


async def on_language_pick(
    query: CallbackQuery, callback_data: TranslateCb, state: FSMContext
) -> None:
    if callback_data.language not in LANGUAGES:
        await query.answer(_("This button is no longer active."), show_alert=True)
        return
    try:
        _member, product = await _editor_of(query.from_user.id, callback_data.product_id)
    except DomainError as error:
        await query.answer(_product_error(error), show_alert=True)
        return
    await state.set_state(ProductFlow.translation_name)
    await state.update_data(
        {
            PRODUCT_TRANSLATION_KEY: {
                "product_id": product.id,
                "language": callback_data.language,
            }
        }
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        current = (product.translations or {}).get(callback_data.language) or {}
        lines = [
            _("The name of {name} in {language}? /cancel to stop.").format(
                name=product.name, language=LANGUAGE_NAMES[callback_data.language]
            )
        ]
        if current.get("name"):
            lines.append(_("Now: {text}").format(text=current["name"]))
        await query.message.answer("\n".join(lines))


async def _translation(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get(PRODUCT_TRANSLATION_KEY) or {})


async def on_translation_name(message: Message, state: FSMContext) -> None:
    name = (message.text or "").strip()
    draft = await _translation(state)
    if not draft:
        await _leave(state)
        return
    if not name:
        await message.answer(_("The name must not be empty."))
        return
    if len(name) > NAME_MAX:
        await message.answer(
            _("The name is too long: at most {count} characters.").format(count=NAME_MAX)
        )
        return
    draft["name"] = name
    await state.set_state(ProductFlow.translation_description)
    await state.update_data({PRODUCT_TRANSLATION_KEY: draft})
    await message.answer(
        _("And its description in {language}? Send /skip to leave it out.").format(
            language=LANGUAGE_NAMES.get(str(draft.get("language")), "")
        )
    )


async def _save_translation(
    message: Message, state: FSMContext, bot: Bot, runtime: Runtime, description: str | None
) -> None:
    draft = await _translation(state)
    person = message.from_user
    if not draft.get("name") or person is None:
        await _leave(state)
        return
    if description is not None and len(description) > DESCRIPTION_MAX:
        await message.answer(
            _("The description is too long: at most {count} characters.").format(
                count=DESCRIPTION_MAX
            )
        )
        return
    try:
        member, product = await _editor_of(person.id, int(draft["product_id"]))
        product = await catalog.translate_product(
            shop_id=member.shop_id,
            roles=member.roles,
            product_id=product.id,
            language=str(draft["language"]),
            name=str(draft["name"]),
            description=description,
        )
    except DomainError as error:
        await _leave(state)
        await message.answer(
            _("The name must not be empty.")
            if isinstance(error, ValidationFailed)
            else _product_error(error)
        )
        return
    await _leave(state)
    await message.answer(
        _("Saved: customers reading {language} see “{name}”.").format(
            language=LANGUAGE_NAMES[str(draft["language"])], name=draft["name"]
        )
    )
    await send_card(bot, message.chat.id, product, runtime)


async def on_translation_description(
    message: Message, state: FSMContext, bot: Bot, runtime: Runtime
) -> None:
    await _save_translation(message, state, bot, runtime, (message.text or "").strip() or None)


async def on_skip_description(
    message: Message, state: FSMContext, bot: Bot, runtime: Runtime
) -> None:
    await _save_translation(message, state, bot, runtime, None)


async def on_new_price(message: Message, state: FSMContext, bot: Bot, runtime: Runtime) -> None:
    price = parse_price(message.text)
    if price is None:
        await message.answer(_("Please write the price as a whole number, for example 15000."))
        return
    product_id = (await state.get_data()).get(PRODUCT_EDIT_KEY)
    person = message.from_user
    if product_id is None or person is None:
        await _leave(state)
        return
    try:
        member, product = await _editor_of(person.id, int(product_id))
        product = await catalog.change_product(
            shop_id=member.shop_id, roles=member.roles, product_id=product.id, price=price
        )
    except ValidationFailed:
        await message.answer(
            _("This price is not above the product's discount price. Write another one.")
        )
        return
    except DomainError as error:
        await _leave(state)
        await message.answer(_product_error(error))
        return
    await _leave(state)
    await message.answer(_("The price is changed."))
    await send_card(bot, message.chat.id, product, runtime)


def create_router() -> Router:
    router = Router(name="staff_catalog")
    private = F.chat.type == "private"
    router.message.filter(private)
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(on_new_product, Command("newproduct"))
    router.message.register(on_products, Command("products"))
    flow = (
        ProductFlow.photo,
        ProductFlow.name,
        ProductFlow.price,
        ProductFlow.category,
        ProductFlow.in_stock,
        ProductFlow.new_price,
        ProductFlow.translation_name,
        ProductFlow.translation_description,
    )
    router.message.register(on_cancel, StateFilter(*flow), Command("cancel"))
    router.message.register(on_skip_photo, ProductFlow.photo, Command("skip"))
    router.message.register(on_photo, ProductFlow.photo, F.func(has_image))
    router.message.register(on_not_photo, ProductFlow.photo)
    router.message.register(on_name, ProductFlow.name, F.text, ~F.text.startswith("/"))
    router.message.register(on_price, ProductFlow.price, F.text, ~F.text.startswith("/"))
    router.message.register(on_category_name, ProductFlow.category, F.text, ~F.text.startswith("/"))
    router.message.register(on_new_price, ProductFlow.new_price, F.text, ~F.text.startswith("/"))
    router.message.register(
        on_translation_name, ProductFlow.translation_name, F.text, ~F.text.startswith("/")
    )
    router.message.register(
        on_skip_description, ProductFlow.translation_description, Command("skip")
    )
    router.message.register(
        on_translation_description,
        ProductFlow.translation_description,
        F.text,
        ~F.text.startswith("/"),
    )
    router.callback_query.register(on_category_pick, NewProductCb.filter(F.step == "category"))
    router.callback_query.register(on_stock_pick, NewProductCb.filter(F.step == "stock"))
    router.callback_query.register(on_card_press, ProductCb.filter())
    router.callback_query.register(on_language_pick, TranslateCb.filter())
    return router
