"""core.webhooks: which URLs a webhook may go to, the signature, the payload, the rows."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from core import events, webhooks
from core.customers import register_customer
from core.errors import ValidationFailed
from core.models import OutboxEvent
from tests.factories import make_shop


def resolver(*addresses: str) -> webhooks.Resolver:
    async def resolve(host: str) -> list[str]:
        if not addresses:
            raise OSError("Name or service not known")
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.31.255.255", False),
        ("192.168.0.10", False),
        ("169.254.169.254", False),
        ("100.64.1.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_only_public_internet_addresses_count_as_public(address: str, public: bool) -> None:
    assert webhooks.is_public_address(address) is public


async def test_a_host_name_that_resolves_to_a_private_address_is_refused() -> None:
    url = "https://hooks.example.kz/in"
    assert await webhooks.check_url(url, allow_private=False, resolve=resolver("93.184.215.14"))
    for addresses in (("10.0.0.7",), ("93.184.215.14", "127.0.0.1"), ()):
        with pytest.raises(ValidationFailed) as refused:
            await webhooks.check_url(url, allow_private=False, resolve=resolver(*addresses))
        assert refused.value.problems[0].loc == ("url",)


async def test_the_setting_allows_private_hosts_but_not_odd_urls() -> None:
    assert await webhooks.check_url("http://127.0.0.1:8080/x", allow_private=True)
    for url in ("ftp://127.0.0.1/", "http:///path", "http://u:p@127.0.0.1/"):
        with pytest.raises(ValidationFailed):
            await webhooks.check_url(url, allow_private=True)


def test_the_signature_is_what_the_documents_verify_function_expects() -> None:
    body = b'{"event":"order.status_changed"}'
    secret = "s" * 32

    def verify_webhook(payload: bytes, signature: str, secret: str) -> bool:  # the seed's code
        expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"sha256={expected}", signature)

    assert verify_webhook(body, webhooks.sign(secret, body), secret)
    assert not verify_webhook(body + b" ", webhooks.sign(secret, body), secret)


def test_the_payload_is_the_documents_with_shop_status_words() -> None:
    event = events.DomainEvent(
        name=events.ORDER_STATUS_CHANGED,
        shop_id=1,
        key="order:123",
        payload={
            "order_id": 123,
            "number": 7,
            "old_status": "assembled",
            "new_status": "awaiting_pickup",
            "tracking_token": "x5DHe_tWzKa3L8uEf3Ldqw",
            "actor_label": "user:5",
        },
    )
    body = webhooks.webhook_body(event, at=datetime(2024, 12, 26, 14, 30, tzinfo=UTC))
    assert json.loads(body) == {
        "event": "order.status_changed",
        "timestamp": "2024-12-26T14:30:00",
        "shop_id": 1,
        "data": {
            "order_id": 123,
            "old_status": "assembled",
            "new_status": "self_pickup",
            "tracking_token": "x5DHe_tWzKa3L8uEf3Ldqw",
        },
    }


@pytest.mark.usefixtures("db")
async def test_rows_are_written_with_the_change_or_not_at_all() -> None:
    webhooks.subscribe(events.bus)
    shop = await make_shop()
    await webhooks.create_endpoint(shop_id=shop.id, url="http://127.0.0.1:9/", allow_private=True)
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await register_customer(shop_id=shop.id, values={"phone": "+77011234567"})
            raise RuntimeError("the change fails after the event")
    assert await OutboxEvent.all().count() == 0
    await register_customer(shop_id=shop.id, values={"phone": "+77011234567"})
    assert await OutboxEvent.filter(topic=webhooks.TOPIC).count() == 1
