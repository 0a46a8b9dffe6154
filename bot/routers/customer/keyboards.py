"""Callback data and keyboards of the customer side (built in the update's language)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _

from bot.texts import kind_name
from core.i18n import LANGUAGE_NAMES, LANGUAGES
from core.storefront import Section


class MenuCb(CallbackData, prefix="m"):
    action: str  # home, catalog, cart, orders, ask, contacts, language, cancel


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class SectionCb(CallbackData, prefix="sec"):
    kind: str
    key: str
    index: int = 0


class CardCb(CallbackData, prefix="card"):
    """A press on a product card: change the chosen quantity, or add it to the cart."""

    action: str  # qty, add
    product_id: int
    qty: int
    kind: str
    key: str
    index: int
    total: int


class CartCb(CallbackData, prefix="cart"):
    action: str  # inc, dec, del, clear, checkout
    product_id: int = 0


class OrderCb(CallbackData, prefix="ord"):
    order_id: int


class CheckoutCb(CallbackData, prefix="co"):
    """A checkout button: its data are the flow's actions as bot.actions encodes them
    (the checkout's keyboards are the flow's choices, bot.routers.customer.checkout)."""

    action: str  # me, again, delivery, pickup, day, window, otherday, nocard, occasion, confirm
    value: str = ""


def button(text: str, data: CallbackData | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=data if isinstance(data, str) else data.pack()
    )


def inline(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in rows if row])


def main_menu() -> InlineKeyboardMarkup:
    return inline(
        [
            [
                button(_("🌸 Catalog"), MenuCb(action="catalog")),
                button(_("🛒 Cart"), MenuCb(action="cart")),
            ],
            [
                button(_("📦 My orders"), MenuCb(action="orders")),
                button(_("💬 Ask a question"), MenuCb(action="ask")),
            ],
            [
                button(_("📞 Contacts"), MenuCb(action="contacts")),
                button(_("🌐 Language"), MenuCb(action="language")),
            ],
        ]
    )


def back_to_menu() -> list[InlineKeyboardButton]:
    return [button(_("⬅️ Menu"), MenuCb(action="home"))]


def languages() -> InlineKeyboardMarkup:
    return inline(
        [
            [button(LANGUAGE_NAMES[code], LanguageCb(code=code)) for code in LANGUAGES[:2]],
            [button(LANGUAGE_NAMES[code], LanguageCb(code=code)) for code in LANGUAGES[2:]],
        ]
    )


def sections(items: Sequence[Section]) -> InlineKeyboardMarkup:
    rows = [
        [
            button(
                f"{s.name or kind_name(s.key)} ({s.count})",
                SectionCb(kind=s.kind, key=s.key, index=0),
            )
        ]
        for s in items
    ]
    rows.append([button(_("🛒 Cart"), MenuCb(action="cart")), *back_to_menu()])
    return inline(rows)


def product_card(
    *, product_id: int, qty: int, kind: str, key: str, index: int, total: int, in_cart: int
) -> InlineKeyboardMarkup:
    def card(action: str, quantity: int) -> CardCb:
        return CardCb(
            action=action,
            product_id=product_id,
            qty=quantity,
            kind=kind,
            key=key,
            index=index,
            total=total,
        )

    rows = [
        [
            button("−", card("qty", max(1, qty - 1))),
            button(str(qty), "noop"),
            button("+", card("qty", min(99, qty + 1))),
        ],
        [button(_("Add to cart"), card("add", qty))],
    ]
    paging = []
    if index > 0:
        paging.append(button("◀️", SectionCb(kind=kind, key=key, index=index - 1)))
    paging.append(button(f"{index + 1}/{total}", "noop"))
    if index + 1 < total:
        paging.append(button("▶️", SectionCb(kind=kind, key=key, index=index + 1)))
    rows.append(paging)
    cart_label = _("🛒 Cart ({count})").format(count=in_cart) if in_cart else _("🛒 Cart")
    rows.append(
        [
            button(cart_label, MenuCb(action="cart")),
            button(_("⬅️ Catalog"), MenuCb(action="catalog")),
        ]
    )
    return inline(rows)


def cart(lines: Sequence[tuple[int, str, int]]) -> InlineKeyboardMarkup:
    """Lines are (product_id, name, quantity)."""
    rows = []
    for product_id, name, quantity in lines:
        rows.append([button(f"{name} × {quantity}", "noop")])
        rows.append(
            [
                button("−", CartCb(action="dec", product_id=product_id)),
                button("+", CartCb(action="inc", product_id=product_id)),
                button("✖", CartCb(action="del", product_id=product_id)),
            ]
        )
    if lines:
        rows.append([button(_("✅ Checkout"), CartCb(action="checkout"))])
        rows.append([button(_("🗑 Clear the cart"), CartCb(action="clear"))])
    rows.append([button(_("🌸 Catalog"), MenuCb(action="catalog")), *back_to_menu()])
    return inline(rows)


def cancel_row() -> list[InlineKeyboardButton]:
    return [button(_("✖ Cancel"), MenuCb(action="cancel"))]


def share_phone() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def only_cancel() -> InlineKeyboardMarkup:
    return inline([cancel_row()])


def orders(items: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    rows = [[button(label, OrderCb(order_id=order_id))] for order_id, label in items]
    rows.append(back_to_menu())
    return inline(rows)
