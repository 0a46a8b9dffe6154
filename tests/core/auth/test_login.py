"""Password and API-key sign-in, and access tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.auth.apikeys import authenticate_api_key, create_api_key, revoke_api_key
from core.auth.service import TokenIssuer, set_password, sign_in_by_phone, sign_in_with_password
from core.auth.tokens import decode_access_token
from core.clock import FrozenClock
from core.errors import Unauthorized
from core.models import ApiKey, Role, Shop
from tests.factories import make_member, make_shop

pytestmark = pytest.mark.usefixtures("db")

SECRET = "s" * 40


@pytest.fixture
def issuer(clock: FrozenClock) -> TokenIssuer:
    return TokenIssuer(secret=SECRET, ttl_seconds=3600, clock=clock)


async def test_password_login_by_email_or_username_issues_a_token(
    issuer: TokenIssuer, clock: FrozenClock
) -> None:
    shop = await make_shop()
    user = await make_member(shop, Role.MANAGER)
    user.email, user.username = "aigul@example.kz", "aigul"
    await user.save()
    await set_password(user=user, password="correct horse")
    for login in ("aigul@example.kz", "AIGUL@example.kz", "aigul"):
        signed = await sign_in_with_password(login=login, password="correct horse", issuer=issuer)
        principal = decode_access_token(signed.access_token, secret=SECRET, now=clock.now())
        assert (principal.user_id, principal.shop_id, principal.role) == (
            user.id,
            shop.id,
            Role.MANAGER,
        )


async def test_wrong_password_and_unknown_user_answer_the_same(issuer: TokenIssuer) -> None:
    shop = await make_shop()
    user = await make_member(shop)
    user.email = "owner@example.kz"
    await user.save()
    await set_password(user=user, password="correct horse")
    with pytest.raises(Unauthorized) as wrong:
        await sign_in_with_password(login="owner@example.kz", password="nope", issuer=issuer)
    with pytest.raises(Unauthorized) as unknown:
        await sign_in_with_password(login="nobody@example.kz", password="nope", issuer=issuer)
    assert wrong.value.detail == unknown.value.detail


async def test_tokens_expire_and_forged_tokens_are_refused(
    issuer: TokenIssuer, clock: FrozenClock
) -> None:
    shop = await make_shop()
    signed = await sign_in_by_phone(phone="+77011234567", issuer=issuer, new_shop_name="X")
    decode_access_token(signed.access_token, secret=SECRET, now=clock.now())
    with pytest.raises(Unauthorized, match="expired"):
        decode_access_token(
            signed.access_token, secret=SECRET, now=clock.now() + timedelta(hours=2)
        )
    with pytest.raises(Unauthorized):
        decode_access_token(signed.access_token, secret="t" * 40, now=clock.now())
    assert shop.id != signed.shop.id


async def test_a_new_phone_gets_its_own_shop_and_a_known_one_its_old_shop(
    issuer: TokenIssuer,
) -> None:
    first = await sign_in_by_phone(
        phone="+77011234567", issuer=issuer, new_shop_name="Цветочный магазин 4567"
    )
    again = await sign_in_by_phone(phone="+77011234567", issuer=issuer, new_shop_name="ignored")
    assert first.shop.id == again.shop.id
    assert first.shop.name == "Цветочный магазин 4567"
    assert first.membership.role is Role.OWNER
    assert await Shop.all().count() == 1


async def test_api_keys_are_stored_hashed_work_and_can_be_revoked(clock: FrozenClock) -> None:
    shop = await make_shop()
    key, plaintext = await create_api_key(shop_id=shop.id, name="site")
    stored = await ApiKey.get(id=key.id)
    assert plaintext not in (stored.key_hash, stored.prefix) and plaintext.startswith("sk_")
    principal = await authenticate_api_key(plaintext, now=clock.now())
    assert principal.shop_id == shop.id and principal.api_key_id == key.id
    with pytest.raises(Unauthorized):
        await authenticate_api_key(
            plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"), now=clock.now()
        )
    await revoke_api_key(shop_id=shop.id, key_id=key.id, now=clock.now())
    with pytest.raises(Unauthorized):
        await authenticate_api_key(plaintext, now=clock.now())
