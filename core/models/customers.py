"""Customers of a shop, their organisation profile and the dates worth remembering."""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields

from core.models.base import TimestampedModel
from core.ports.chat import ChannelName, ChatAddress


class ClientType(StrEnum):
    ORDERER = "orderer"
    RECIPIENT = "recipient"
    BOTH = "both"


class DateType(StrEnum):
    BIRTHDAY = "birthday"
    ANNIVERSARY = "anniversary"
    OTHER = "other"


class Customer(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name="customers", on_delete=fields.CASCADE)
    phone = fields.CharField(max_length=20)
    name = fields.CharField(max_length=200, default="")
    email = fields.CharField(max_length=254, null=True)
    address = fields.CharField(max_length=500, null=True)
    birth_date = fields.DateField(null=True)
    preferences = fields.TextField(null=True)
    notes = fields.TextField(null=True)
    client_type = fields.CharEnumField(ClientType, max_length=16, default=ClientType.BOTH)
    language = fields.CharField(max_length=8, default="ru")
    public_id = fields.UUIDField(default=uuid.uuid4, unique=True)

    class Meta:
        table = "customers"
        # One customer per shop and phone: a unique index on (shop_id, phone) for the
        # phones that are set (migration 0009), so clients of the consult contract known
        # by email alone (phone "") can be many.
        indexes = (("shop_id", "phone"),)


class CustomerChat(TimestampedModel):
    """One chat of a customer: a `core.ports.chat.ChatAddress` (channel, external id),
    e.g. ("telegram", "<user id>") or ("whatsapp", "<E.164 phone without +>").

    A customer may hold several; an address belongs to one customer of a shop.
    """

    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="chats", on_delete=fields.CASCADE
    )
    channel = fields.CharField(max_length=16)
    external_id = fields.CharField(max_length=64)

    class Meta:
        table = "chat_addresses"
        unique_together = (("shop", "channel", "external_id"),)
        indexes = (("customer_id",),)

    def address(self) -> ChatAddress:
        return ChatAddress(ChannelName(self.channel), self.external_id)


class OrganisationProfile(TimestampedModel):
    """What makes a customer a client of a service firm: the organisation, its
    subscription and tariff, its 1C ref key.

    `client_id_hash` (the integrator's own key for the client) and `match_key` (a digest
    of the normalised email, phone and INN) are unique per shop, so two identical
    requests at the same moment leave one client (core.consultations.clients).
    """

    customer = fields.OneToOneField(
        "models.Customer", related_name="organisation", on_delete=fields.CASCADE
    )
    # A plain column (no foreign key), like idempotency records: only for uniqueness.
    shop_id = fields.IntField(null=True)
    name = fields.CharField(max_length=300, default="")
    inn = fields.CharField(max_length=20, null=True)
    org_id = fields.CharField(max_length=100, null=True)
    country = fields.CharField(max_length=64, null=True)
    region = fields.CharField(max_length=100, null=True)
    city = fields.CharField(max_length=100, null=True)
    subscription = fields.CharField(max_length=100, null=True)
    subscription_start = fields.DatetimeField(null=True)
    subscription_end = fields.DatetimeField(null=True)
    tariff = fields.CharField(max_length=100, null=True)
    tariff_period = fields.CharField(max_length=100, null=True)
    onec_ref_key = fields.CharField(max_length=64, null=True)
    client_id_hash = fields.CharField(max_length=128, null=True)
    match_key = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "organisation_profiles"
        unique_together = (("shop_id", "client_id_hash"), ("shop_id", "match_key"))


class ImportantDate(TimestampedModel):
    shop = fields.ForeignKeyField("models.Shop", related_name=False, on_delete=fields.CASCADE)
    customer = fields.ForeignKeyField(
        "models.Customer", related_name="important_dates", on_delete=fields.CASCADE
    )
    date_type = fields.CharEnumField(DateType, max_length=16)
    date = fields.DateField()
    description = fields.CharField(max_length=300, default="")
    reminder_days = fields.IntField(default=3)
    recipient_name = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "important_dates"
        indexes = (("shop_id",), ("customer_id",))
