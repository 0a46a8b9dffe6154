"""The date reminder's one-tap "order the same as last time" (callback `reorder:<order_id>`,
sent by core.reminders).

The press may come long after the conversation was forgotten, and from a chat that is
in another shop: the order names its shop, so this router needs no ShopMiddleware.
`core.storefront.reorder` checks that the order is this person's and prepares the
cart; the conversation moves to the order's shop with that cart, and checkout starts
at the recipient (at the phone when the customer's phone is not known), offering the
order's recipient again.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, User
from aiogram.utils.i18n import gettext as _

from bot.actions import ActionFilter, telegram_address
from bot.routers.customer import keyboards
from bot.routers.customer.checkout import start_checkout
from bot.routers.customer.common import say
from bot.routers.customer.states import CART_KEY, CHECKOUT_KEY, SHOP_KEY
from core import storefront
from core.errors import NotFound
from core.ports.chat import Action
from core.runtime import Runtime


async def on_reorder(
    callback: CallbackQuery,
    action: Action,
    state: FSMContext,
    runtime: Runtime,
    event_from_user: User,
) -> None:
    try:
        again = await storefront.reorder(
            address=telegram_address(event_from_user.id), order_id=int(action.value)
        )
    except NotFound:
        await callback.answer(_("This order is not one of yours."), show_alert=True)
        return
    data = await state.get_data()
    await state.set_state(None)
    if not again.cart:
        changes: dict[str, object] = {SHOP_KEY: again.shop.id, CHECKOUT_KEY: None}
        if data.get(SHOP_KEY) != again.shop.id:
            changes[CART_KEY] = {}
        await state.update_data(changes)
        text = _(
            "The products of order #{number} are no longer sold. Please choose something "
            "in the catalog."
        ).format(number=again.number)
        await say(callback, text, keyboards.main_menu())
        return
    await state.update_data({SHOP_KEY: again.shop.id, CART_KEY: again.cart})
    note = _("Your cart now has the products of order #{number}.").format(number=again.number)
    if again.skipped:
        note += "\n" + _("No longer sold, so left out: {names}.").format(
            names=", ".join(again.skipped)
        )
    known: dict[str, object] = {}
    if again.phone:
        known = {"phone": again.phone, "name": again.name or event_from_user.first_name}
    if again.recipient_name:
        known["again"] = {"name": again.recipient_name, "phone": again.recipient_phone}
    await start_checkout(
        callback, shop=again.shop, state=state, runtime=runtime, known=known, note=note
    )


def create_router() -> Router:
    router = Router(name="customer.reorder")
    router.callback_query.register(on_reorder, ActionFilter("order.reorder"))
    return router
