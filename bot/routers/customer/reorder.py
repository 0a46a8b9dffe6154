"""The date reminder's one-tap "order the same as last time" (callback `reorder:<order_id>`,
sent by core.reminders).

The press may come long after the conversation was forgotten, and from a chat that is
in another shop: the order names its shop, so this router needs no ShopMiddleware.
`core.storefront.reorder` checks that the order is this person's and prepares the
cart; the conversation moves to the order's shop, and the flow's
`shop_chat.reorder_into` fills the cart and starts checkout at the recipient (at the
phone when the customer's phone is not known), offering the order's recipient again
(rendered by bot.routers.customer.checkout).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, User
from aiogram.utils.i18n import gettext as _

from bot.actions import ActionFilter, telegram_address
from bot.routers.customer import checkout
from bot.routers.customer.states import CART_KEY, CHECKOUT_KEY, SHOP_KEY
from bot.texts import current_language
from core import storefront
from core.errors import NotFound
from core.flows import shop_chat
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
            address=telegram_address(event_from_user.id),
            order_id=int(action.value),
            language=current_language(),
        )
    except NotFound:
        await callback.answer(_("This order is not one of yours."), show_alert=True)
        return
    data = await state.get_data()
    changes: dict[str, object] = {SHOP_KEY: again.shop.id, CHECKOUT_KEY: None}
    if data.get(SHOP_KEY) != again.shop.id:
        changes[CART_KEY] = {}
    await state.update_data(changes)
    await state.set_state(None)
    session = await checkout.load(state)
    turn = checkout.turn_for(session, shop=again.shop, runtime=runtime, user=event_from_user)
    await shop_chat.reorder_into(turn, again)
    await checkout.save(state, session, None)
    await checkout.render(callback, turn, before=None)


def create_router() -> Router:
    router = Router(name="customer.reorder")
    router.callback_query.register(on_reorder, ActionFilter("order.reorder"))
    return router
