"""The catalog: sections (categories and product kinds) -> product cards with paging,
quantity buttons and "Add to cart"; the shop's contacts.

Browsing keeps one message: the sections, each page of a section and the way back are
shown in place of the message whose button was pressed (common.show: text and photo
cards are edited, a change between the two replaces the message)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.routers.customer import keyboards
from bot.routers.customer.common import say, show
from bot.routers.customer.keyboards import CardCb, MenuCb, SectionCb
from bot.routers.customer.states import CART_KEY
from bot.staff_media import product_picture, remember_picture
from bot.texts import money, product_text
from core import storefront
from core.errors import NotFound
from core.models import Product, Shop
from core.runtime import Runtime


async def on_catalog(event: Message | CallbackQuery, shop: Shop) -> None:
    sections = await storefront.catalog_sections(shop_id=shop.id)
    if not sections:
        await show(
            event,
            _("The catalog is empty for now. Please come back later."),
            keyboards.inline([keyboards.back_to_menu()]),
        )
        return
    await show(event, _("Choose a section:"), keyboards.sections(sections))


def card_text(product: Product, shop: Shop) -> str:
    currency = shop.currency
    price = money(product.current_price, currency)
    if product.current_price < product.price:
        price = _("{price} instead of {old_price}").format(
            price=price, old_price=money(product.price, currency)
        )
    text = product_text(product, shop)
    parts = [text.name, price]
    if text.description:
        parts.append(text.description.strip())
    return "\n\n".join(parts)


def items_in_cart(cart: dict[str, int]) -> int:
    return sum(int(q) for q in cart.values())


async def on_section(
    callback: CallbackQuery,
    callback_data: SectionCb,
    shop: Shop,
    state: FSMContext,
    runtime: Runtime,
) -> None:
    try:
        product, total = await storefront.section_product(
            shop_id=shop.id,
            kind=callback_data.kind,
            key=callback_data.key,
            index=callback_data.index,
        )
    except NotFound:
        product, total = None, 0
    if product is None:
        await callback.answer(_("This section is empty now."), show_alert=True)
        return
    cart = (await state.get_data()).get(CART_KEY) or {}
    index = min(callback_data.index, total - 1)
    markup = keyboards.product_card(
        product_id=product.id,
        qty=1,
        kind=callback_data.kind,
        key=callback_data.key,
        index=index,
        total=total,
        in_cart=items_in_cart(cart),
    )
    assert callback.bot is not None
    picture = await product_picture(product, callback.bot, runtime)
    shown = await show(
        callback,
        card_text(product, shop),
        markup,
        photo=picture.source if picture else None,
    )
    await remember_picture(picture, shown, runtime)


async def on_quantity(
    callback: CallbackQuery, callback_data: CardCb, shop: Shop, state: FSMContext
) -> None:
    cart = (await state.get_data()).get(CART_KEY) or {}
    await _redraw(callback, callback_data, callback_data.qty, items_in_cart(cart))
    await callback.answer()


async def _redraw(callback: CallbackQuery, data: CardCb, qty: int, in_cart: int) -> None:
    markup = keyboards.product_card(
        product_id=data.product_id,
        qty=qty,
        kind=data.kind,
        key=data.key,
        index=data.index,
        total=data.total,
        in_cart=in_cart,
    )
    if not isinstance(callback.message, Message):
        return
    try:
        await callback.message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in str(error):
            raise


async def on_add(
    callback: CallbackQuery, callback_data: CardCb, shop: Shop, state: FSMContext
) -> None:
    try:
        product = await storefront.get_product(shop_id=shop.id, product_id=callback_data.product_id)
    except NotFound:
        await callback.answer(_("Sorry, this product is no longer available."), show_alert=True)
        return
    cart = storefront.cart_add(
        (await state.get_data()).get(CART_KEY) or {}, product.id, callback_data.qty
    )
    await state.update_data({CART_KEY: cart})
    await _redraw(callback, callback_data, 1, items_in_cart(cart))
    await callback.answer(
        _("Added to the cart: {name} × {qty}").format(
            name=product_text(product, shop).name, qty=callback_data.qty
        )
    )


async def on_contacts(event: Message | CallbackQuery, shop: Shop) -> None:
    lines = [shop.name]
    if shop.phone:
        lines.append(_("Phone: {phone}").format(phone=shop.phone))
    if shop.address:
        lines.append(_("Address: {address}").format(address=shop.address))
    await say(event, "\n".join(lines), keyboards.main_menu())


def create_router() -> Router:
    router = Router(name="customer.catalog")
    router.message.register(on_catalog, Command("catalog"))
    router.callback_query.register(on_catalog, MenuCb.filter(F.action == "catalog"))
    router.callback_query.register(on_section, SectionCb.filter())
    router.callback_query.register(on_quantity, CardCb.filter(F.action == "qty"))
    router.callback_query.register(on_add, CardCb.filter(F.action == "add"))
    router.message.register(on_contacts, Command("contacts"))
    router.callback_query.register(on_contacts, MenuCb.filter(F.action == "contacts"))
    return router
