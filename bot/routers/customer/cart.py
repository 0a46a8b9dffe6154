"""The cart: kept in the FSM data, priced by the core on every view."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.routers.customer import keyboards
from bot.routers.customer.common import replace, say
from bot.routers.customer.keyboards import CartCb, MenuCb
from bot.routers.customer.states import CART_KEY
from bot.texts import money, product_text
from core import storefront
from core.models import Shop


async def cart_view(shop: Shop, state: FSMContext) -> tuple[str, keyboards.InlineKeyboardMarkup]:
    """The cart's text and keyboard; products no longer sold are dropped from it."""
    cart = (await state.get_data()).get(CART_KEY) or {}
    quote = await storefront.quote(shop=shop, cart=cart)
    lead = ""
    if quote.unavailable:
        for product_id in quote.unavailable:
            cart = storefront.cart_add(cart, product_id, -10_000)
        await state.update_data({CART_KEY: cart})
        lead = _("Some products are no longer available and were removed from the cart.") + "\n\n"
    if not quote.items:
        return lead + _("Your cart is empty."), keyboards.cart([])
    lines = [_("Your cart:")]
    for item in quote.items:
        lines.append(
            f"• {product_text(item.product, shop).name} × {item.quantity}"
            f" — {money(item.total, shop.currency)}"
        )
    lines.append("")
    lines.append(_("Items total: {sum}").format(sum=money(quote.flower_sum, shop.currency)))
    markup = keyboards.cart(
        [(i.product.id, product_text(i.product, shop).name, i.quantity) for i in quote.items]
    )
    return lead + "\n".join(lines), markup


async def on_cart(event: Message | CallbackQuery, shop: Shop, state: FSMContext) -> None:
    text, markup = await cart_view(shop, state)
    await say(event, text, markup)


async def on_change(
    callback: CallbackQuery, callback_data: CartCb, shop: Shop, state: FSMContext
) -> None:
    cart = (await state.get_data()).get(CART_KEY) or {}
    if callback_data.action == "clear":
        cart = {}
    else:
        delta = {"inc": 1, "dec": -1, "del": -10_000}[callback_data.action]
        cart = storefront.cart_add(cart, callback_data.product_id, delta)
    await state.update_data({CART_KEY: cart})
    text, markup = await cart_view(shop, state)
    await replace(callback, text, markup)


def create_router() -> Router:
    router = Router(name="customer.cart")
    router.message.register(on_cart, Command("cart"))
    router.callback_query.register(on_cart, MenuCb.filter(F.action == "cart"))
    router.callback_query.register(
        on_change, CartCb.filter(F.action.in_({"inc", "dec", "del", "clear"}))
    )
    return router
