"""Staff link their chat by sharing their own contact; the owner links the staff group."""

from __future__ import annotations

import re

import pytest

from core.models import Role, Shop, User
from tests.bot.staff_world import STAFF_CHAT, build_world
from tests.factories import make_member, make_shop
from tests.fakes.telegram import DEFAULT_TOKEN


async def test_member_sharing_own_contact_links_the_chat_and_hears_the_role(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    owner = await User.get(id=world.users["owner"].id)
    assert owner.telegram_id == world.private["owner"].id
    assert owner.telegram_chat_id == world.private["owner"].id
    reply = telegram.texts(world.private["florist"].id)[-1]
    assert "Dana" in reply and "florist" in reply
    shop = await Shop.get(id=world.shop.id)
    assert shop.staff_chat_id == STAFF_CHAT
    assert "staff chat" in telegram.texts(STAFF_CHAT)[-1]


@pytest.fixture
def settings_overrides(telegram) -> dict:
    return {
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base": telegram.base_url,
        "otp_delivery": "telegram",
    }


async def test_login_code_requested_over_rest_arrives_in_the_linked_chat(
    bot_harness, telegram, runtime, clock, api
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    owner = world.users["owner"]
    response = await api.post("/api/auth/request-otp", json={"phone": owner.phone})
    assert response.status == 200, await response.text()
    assert (await response.json())["delivery_method"] == "telegram"
    await world.drain()
    message = telegram.texts(world.private["owner"].id)[-1]
    assert "login code" in message
    [code] = re.findall(r"\b\d{6}\b", message)
    verified = await api.post("/api/auth/verify-otp", json={"phone": owner.phone, "otp_code": code})
    assert verified.status == 200, await verified.text()
    assert (await verified.json())["shop_id"] == world.shop.id


async def test_login_code_for_a_phone_without_a_linked_chat_is_refused(
    bot_harness, telegram, runtime, clock, api
) -> None:
    shop = await make_shop("Other shop")
    manager = await make_member(shop, Role.MANAGER)
    response = await api.post("/api/auth/request-otp", json={"phone": manager.phone})
    assert response.status == 400
    assert "Telegram" in (await response.json())["detail"]


async def test_someone_elses_contact_or_an_unknown_phone_links_nothing(
    bot_harness, telegram, runtime, clock
) -> None:
    shop = await make_shop("Flowers")
    florist = await make_member(shop, Role.FLORIST, name="Dana")
    person = bot_harness.user(user_id=7_100_001, language_code="en", phone=florist.phone)
    await person.send("/staff")
    assert person.last().params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await person.share_contact(own=False)
    assert "your own contact" in person.last_text
    stranger = bot_harness.user(user_id=7_100_002, language_code="en", phone="+77771234567")
    await stranger.share_contact()
    assert "not on any shop's staff" in stranger.last_text
    assert await User.filter(telegram_id__isnull=False).count() == 0


async def test_only_an_owner_or_admin_links_the_staff_group(
    bot_harness, telegram, runtime, clock
) -> None:
    shop = await make_shop("Flowers")
    florist = await make_member(shop, Role.FLORIST, name="Dana")
    person = bot_harness.user(user_id=7_100_003, language_code="en", phone=florist.phone)
    await person.share_contact()
    in_group = bot_harness.group_member(-100900, user_id=7_100_003, language_code="en")
    await in_group.send("/link_staff_chat")
    assert "owner" in in_group.last_text
    assert (await Shop.get(id=shop.id)).staff_chat_id is None


async def test_staff_chat_follows_a_group_upgraded_to_a_supergroup(
    bot_harness, telegram, runtime, clock
) -> None:
    world = await build_world(runtime, bot_harness, telegram, clock)
    group = {"id": STAFF_CHAT, "type": "group", "title": "Staff"}
    update = telegram.message_update(
        world.group["owner"].user, chat=group, migrate_to_chat_id=-100777888
    )
    await bot_harness.feed(update)
    assert (await Shop.get(id=world.shop.id)).staff_chat_id == -100777888
