"""Clients of a service firm: a customer of the shop with an organisation profile.

`upsert_client` finds the client by, in this order:

1. `client_id` (the customer's public UUID): unknown -> NotFound("Client");
2. `client_id_hash` (the integrator's own key);
3. the match key: a digest of the case-folded email, the E.164 phone and the INN;
4. the phone (one customer per shop and phone: a Telegram customer becomes a client);
5. the email, when no phone is given;

and otherwise creates one. Only the fields sent change; repeating a request changes
nothing. Two identical requests at the same moment both try to insert; the unique
indexes (organisation profile: shop + match key, shop + client_id_hash; customer: shop
+ phone) let one of them in, and the other retries its lookup in a fresh savepoint and
finds the winner's row, so one client is left, on PostgreSQL as on SQLite.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import BadRequest, Conflict, NotFound, ValidationFailed
from core.models import Customer, OrganisationProfile, Shop
from core.phones import InvalidPhone, normalize_phone

CLIENT_REQUIRED = "Client data or client_id is required"
ATTEMPTS = 5

# ClientData field -> OrganisationProfile column.
PROFILE_COLUMNS = {
    "org_inn": "inn",
    "org_id": "org_id",
    "country": "country",
    "region": "region",
    "city": "city",
    "subs_id": "subscription",
    "subs_start": "subscription_start",
    "subs_end": "subscription_end",
    "tariff_id": "tariff",
    "tariffperiod_id": "tariff_period",
    "cl_ref_key": "onec_ref_key",
    "client_id_hash": "client_id_hash",
}


@dataclass(frozen=True)
class ClientData:
    """What an integrator says about a client; None = not sent."""

    email: str | None = None
    phone_number: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    org_inn: str | None = None
    org_id: str | None = None
    subs_id: str | None = None
    subs_start: datetime | None = None
    subs_end: datetime | None = None
    tariff_id: str | None = None
    tariffperiod_id: str | None = None
    cl_ref_key: str | None = None
    client_id_hash: str | None = None
    client_id: str | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, "") for f in fields(self))


@dataclass(frozen=True)
class Client:
    customer: Customer
    profile: OrganisationProfile
    created: bool = False


def normalize_email(raw: str | None) -> str | None:
    """Case-folded and trimmed; None when empty."""
    text = (raw or "").strip()
    return text.casefold() or None


def _region(shop: Shop) -> str:
    return "UZ" if shop.timezone == "Asia/Tashkent" else "KZ"


def normalize_client_phone(raw: str | None, *, region: str) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return normalize_phone(text, region=region)
    except InvalidPhone as error:
        raise ValidationFailed.field("phone_number", msg=f"Invalid phone format: {error}") from None


def match_key(email: str | None, phone: str | None, inn: str | None) -> str | None:
    """The digest that recognises a client by email + phone + INN (None without contacts)."""
    if not email and not phone:
        return None
    text = "\x1f".join((email or "", phone or "", (inn or "").strip()))
    return hashlib.sha256(text.encode()).hexdigest()


def parse_client_id(raw: str | uuid.UUID) -> uuid.UUID:
    """A client id is a UUID; anything else names no client."""
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw).strip())
    except ValueError:
        raise NotFound("Client") from None


async def client_by_id(*, shop_id: int, client_id: str | uuid.UUID) -> Client:
    customer = await Customer.get_or_none(shop_id=shop_id, public_id=parse_client_id(client_id))
    if customer is None:
        raise NotFound("Client")
    return Client(customer, await _profile_of(customer))


async def client_by_hash(*, shop_id: int, client_hash: str) -> Client:
    profile = await OrganisationProfile.get_or_none(shop_id=shop_id, client_id_hash=client_hash)
    if profile is None:
        raise NotFound("Client")
    customer = await Customer.get(id=profile.customer_id)  # type: ignore[attr-defined]
    return Client(customer, profile)


async def _profile_of(customer: Customer) -> OrganisationProfile:
    """The customer's organisation profile (an unsaved empty one when it has none)."""
    profile = await OrganisationProfile.get_or_none(customer_id=customer.id)
    return profile or OrganisationProfile(customer=customer, shop_id=customer.shop_id)  # type: ignore[attr-defined]


async def upsert_client(*, shop_id: int, data: ClientData) -> Client:
    """Find the client (see the module docstring) and write what was sent, or create it.

    Outcomes: the client (created or not); NotFound for an unknown `client_id`;
    BadRequest without any of client_id, client_id_hash, email and phone;
    ValidationFailed for a phone that is no phone; Conflict when the data sent belongs
    to another client (its phone or its email + phone + INN).
    """
    shop = await Shop.get(id=shop_id)
    email = normalize_email(data.email)
    phone = normalize_client_phone(data.phone_number, region=_region(shop))
    if not (data.client_id or data.client_id_hash or email or phone):
        raise BadRequest(CLIENT_REQUIRED)
    for attempt in range(ATTEMPTS):
        try:
            async with in_transaction():
                return await _upsert_once(shop_id, data, email, phone)
        except IntegrityError:
            # Another request inserted the same client meanwhile: look again.
            if attempt == ATTEMPTS - 1:
                break
    raise Conflict("These client details belong to another client")


async def _find(
    shop_id: int, data: ClientData, email: str | None, phone: str | None
) -> Customer | None:
    if data.client_id:
        customer = await Customer.get_or_none(
            shop_id=shop_id, public_id=parse_client_id(data.client_id)
        )
        if customer is None:
            raise NotFound("Client")
        return customer
    profile = None
    if data.client_id_hash:
        profile = await OrganisationProfile.get_or_none(
            shop_id=shop_id, client_id_hash=data.client_id_hash
        )
    key = match_key(email, phone, data.org_inn)
    if profile is None and key is not None:
        profile = await OrganisationProfile.get_or_none(shop_id=shop_id, match_key=key)
    if profile is not None:
        return await Customer.get(id=profile.customer_id)  # type: ignore[attr-defined]
    if phone:
        return await Customer.get_or_none(shop_id=shop_id, phone=phone)
    if email:
        return await Customer.filter(shop_id=shop_id, email=email).order_by("id").first()
    return None


async def _upsert_once(
    shop_id: int, data: ClientData, email: str | None, phone: str | None
) -> Client:
    customer = await _find(shop_id, data, email, phone)
    created = customer is None
    if customer is None:
        if not (email or phone):
            # A new client needs a way to reach them.
            raise BadRequest(CLIENT_REQUIRED)
        customer = await Customer.create(shop_id=shop_id, phone=phone or "", email=email)
    else:
        changed = []
        if phone and customer.phone != phone:
            customer.phone = phone
            changed.append("phone")
        if email and customer.email != email:
            customer.email = email
            changed.append("email")
        if changed:
            await customer.save(update_fields=[*changed, "updated_at"])
    profile = await _profile_of(customer)
    before = {column: getattr(profile, column) for column in PROFILE_COLUMNS.values()}
    for name, column in PROFILE_COLUMNS.items():
        value = getattr(data, name)
        if value is not None and value != "":
            setattr(profile, column, value.strip() if isinstance(value, str) else value)
    key = match_key(customer.email, customer.phone or None, profile.inn)
    after = {column: getattr(profile, column) for column in PROFILE_COLUMNS.values()}
    if profile.id is None or before != after or profile.match_key != key:
        profile.match_key = key
        await profile.save()
    return Client(customer, profile, created)


def profile_values(profile: OrganisationProfile) -> dict[str, Any]:
    """The profile in the contract's field names."""
    return {name: getattr(profile, column) for name, column in PROFILE_COLUMNS.items()}
