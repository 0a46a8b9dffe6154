"""WhatsApp numbers find their shop: connected numbers by phone number id (tokens sealed
at rest, masked when listed), the deployment's default number for the first shop."""

from __future__ import annotations

import pytest

from core.channels import whatsapp_numbers as numbers
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Integration
from core.vault import Vault
from tests.factories import make_shop

VAULT = Vault("k" * 40)
DEFAULT = numbers.DefaultNumber(phone_number_id="100001", access_token="EAAG-default-token")


async def test_a_connected_number_finds_its_shop_and_its_token_is_sealed(db: str) -> None:
    await make_shop("First", slug="first")
    second = await make_shop("Second", slug="second")
    integration, created = await numbers.connect_number(
        shop_id=second.id,
        phone_number_id="200002",
        access_token="EAAG-second-token-xyz",
        vault=VAULT,
        display_phone_number="+998 90 123 45 67",
    )
    assert created
    stored = await Integration.get(id=integration.id)
    assert stored.provider == "whatsapp" and stored.external_key == "200002"
    assert "EAAG-second-token-xyz" not in str(stored.secrets)
    assert VAULT.open(stored.secrets["access_token"]) == "EAAG-second-token-xyz"

    found = await numbers.number_by_phone_number_id("200002", vault=VAULT, default=DEFAULT)
    assert found is not None
    assert (found.shop_id, found.access_token, found.is_default) == (
        second.id,
        "EAAG-second-token-xyz",
        False,
    )
    own = await numbers.number_of_shop(second.id, vault=VAULT, default=DEFAULT)
    assert own == found
    assert await numbers.number_by_phone_number_id("999", vault=VAULT, default=DEFAULT) is None


async def test_the_default_number_serves_the_first_shop_only(db: str) -> None:
    first = await make_shop("First", slug="first")
    second = await make_shop("Second", slug="second")
    found = await numbers.number_by_phone_number_id("100001", vault=VAULT, default=DEFAULT)
    assert found == numbers.WhatsAppNumber(
        shop_id=first.id,
        phone_number_id="100001",
        access_token="EAAG-default-token",
        is_default=True,
    )
    assert await numbers.number_of_shop(first.id, vault=VAULT, default=DEFAULT) == found
    assert await numbers.number_of_shop(second.id, vault=VAULT, default=DEFAULT) is None
    assert await numbers.number_of_shop(first.id, vault=VAULT, default=None) is None


async def test_reconnecting_updates_the_token_and_another_shop_cannot_take_the_number(
    db: str,
) -> None:
    first = await make_shop("First", slug="first")
    second = await make_shop("Second", slug="second")
    await numbers.connect_number(
        shop_id=first.id, phone_number_id="300003", access_token="EAAG-old", vault=VAULT
    )
    again, created = await numbers.connect_number(
        shop_id=first.id, phone_number_id="300003", access_token="EAAG-new-token", vault=VAULT
    )
    assert not created
    found = await numbers.number_by_phone_number_id("300003", vault=VAULT, default=None)
    assert found is not None and found.access_token == "EAAG-new-token"
    with pytest.raises(Conflict):
        await numbers.connect_number(
            shop_id=second.id, phone_number_id="300003", access_token="EAAG-x", vault=VAULT
        )
    with pytest.raises(ValidationFailed):
        await numbers.connect_number(
            shop_id=first.id, phone_number_id="+77270001122", access_token="x", vault=VAULT
        )
    with pytest.raises(NotFound):
        await numbers.connect_number(
            shop_id=9999, phone_number_id="400004", access_token="x", vault=VAULT
        )
    assert await Integration.filter(provider="whatsapp").count() == 1


async def test_listing_masks_every_token_and_a_disconnected_number_serves_nobody(
    db: str,
) -> None:
    first = await make_shop("First", slug="first")
    second = await make_shop("Second", slug="second")
    await numbers.connect_number(
        shop_id=second.id, phone_number_id="200002", access_token="EAAG-second-secret", vault=VAULT
    )
    views = await numbers.list_numbers(vault=VAULT, default=DEFAULT)
    assert [(v.shop_id, v.phone_number_id, v.is_default) for v in views] == [
        (first.id, "100001", True),
        (second.id, "200002", False),
    ]
    assert [v.access_token for v in views] == ["EAAG...ken", "EAAG...ret"]
    only_second = await numbers.list_numbers(vault=VAULT, default=DEFAULT, shop_id=second.id)
    assert [v.phone_number_id for v in only_second] == ["200002"]

    await numbers.disconnect_number(shop_id=second.id, phone_number_id="200002")
    assert await numbers.number_by_phone_number_id("200002", vault=VAULT, default=None) is None
    assert await numbers.number_of_shop(second.id, vault=VAULT, default=None) is None
    with pytest.raises(NotFound):
        await numbers.disconnect_number(shop_id=first.id, phone_number_id="200002")


async def test_a_token_sealed_with_another_key_is_not_used(db: str) -> None:
    shop = await make_shop("First", slug="first")
    await numbers.connect_number(
        shop_id=shop.id, phone_number_id="500005", access_token="EAAG-x", vault=Vault("o" * 40)
    )
    assert await numbers.number_by_phone_number_id("500005", vault=VAULT, default=None) is None
