"""What `make run` shows once it is up: where each API, a tracking page and the bot are."""

from __future__ import annotations

from dataclasses import replace

from core.kv import BOT_USERNAME_KEY
from core.orders.service import place_order
from core.runtime import Runtime
from sauda.serve import where_everything_is
from tests.factories import make_shop


async def test_the_banner_names_every_port_a_tracking_page_and_the_bot(runtime: Runtime) -> None:
    settings = runtime.settings
    before = await where_everything_is(runtime)
    assert "make demo" in before and "TELEGRAM_BOT_TOKEN" in before
    for port in (settings.api_port, settings.crm_port):
        assert f":{port}/docs" in before
    shop = await make_shop()
    order = await place_order(
        shop_id=shop.id, customer_phone="+77011234567", customer_name="Айгуль", flower_sum=1
    )
    with_bot = replace(
        runtime, settings=settings.model_copy(update={"telegram_bot_token": "123:abc"})
    )
    await runtime.kv.set(BOT_USERNAME_KEY, "gulder_bot")
    after = await where_everything_is(with_bot)
    assert f"/tracking/{order.tracking_token}" in after
    assert "https://t.me/gulder_bot" in after
