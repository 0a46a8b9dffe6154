"""The channel-neutral shop chat (core.flows.shop_chat) names products in the reader's
language in the cart and the checkout summary, the shop's own name where there is no
translation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.clock import FrozenClock
from core.flows import shop_chat
from core.ports.chat import ChannelName, ChatAddress
from tests.factories import make_product, make_shop

pytestmark = pytest.mark.usefixtures("db")


async def test_cart_and_checkout_summary_are_in_the_readers_language() -> None:
    shop = await make_shop("Гүлдер", locale="ru")
    roses = await make_product(
        shop, "Красные розы", price=25000, translations={"kk": {"name": "Қызыл раушандар"}}
    )
    tulips = await make_product(shop, "Тюльпаны", price=9000)
    session = shop_chat.Session(cart={str(roses.id): 2, str(tulips.id): 1})

    def turn(language: str) -> shop_chat.Turn:
        return shop_chat.Turn(
            shop,
            ChatAddress(ChannelName.WHATSAPP, "77011234567"),
            session,
            language,
            "+77011234567",
            "Айгуль",
            FrozenClock(datetime(2026, 3, 10, 5, 0, tzinfo=UTC)),
        )

    kazakh = turn("kk")
    await shop_chat.show_cart(kazakh)
    [cart] = kazakh.replies
    assert "• Қызыл раушандар × 2" in cart.text and "• Тюльпаны × 1" in cart.text

    session.data = {
        "id": "c1",
        "phone": "+77011234567",
        "method": "pickup",
        "recipient_name": "Айгуль",
        "recipient_phone": "+77011234567",
        "day": "2026-03-11",
        "window": "09:00-12:00",
    }
    summary = turn("kk")
    await shop_chat.ask_confirm(summary)
    text = summary.replies[-1].text
    assert "• Қызыл раушандар × 2" in text and "• Тюльпаны × 1" in text

    russian = turn("ru")
    await shop_chat.ask_confirm(russian)
    assert "• Красные розы × 2" in russian.replies[-1].text
