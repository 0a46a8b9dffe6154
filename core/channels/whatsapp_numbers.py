"""WhatsApp business numbers and the shops they serve.

A number is an `Integration(provider="whatsapp", external_key=<phone_number_id>)` of its
shop, with `secrets={"access_token": <sealed with core.vault>}` and
`config={"display_phone_number": ...}`. Meta names the number by its phone number id in
every webhook delivery, so that id finds the shop; one deployment serves many shops'
numbers. The deployment's default number (settings WHATSAPP_TOKEN and
WHATSAPP_PHONE_NUMBER_ID, handed in as `DefaultNumber`) serves its first shop (the
lowest id) unless an integration names that phone number id.

`connect_number` is what `sauda whatsapp connect` calls, and what the commerce
contract's connect with provider whatsapp will call. Tokens leave this module only
inside `WhatsAppNumber` (for the Graph client) and masked in `NumberView`.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Integration, IntegrationStatus, Shop
from core.vault import SealedSecretError, Vault, mask

PROVIDER = "whatsapp"
TOKEN_FIELD = "access_token"


@dataclass(frozen=True)
class DefaultNumber:
    """The deployment's own number, from settings."""

    phone_number_id: str
    access_token: str


@dataclass(frozen=True)
class WhatsAppNumber:
    """A number as the Graph client needs it (the token in plain text)."""

    shop_id: int
    phone_number_id: str
    access_token: str
    is_default: bool = False


@dataclass(frozen=True)
class NumberView:
    """A number as answers show it: the token masked."""

    shop_id: int
    phone_number_id: str
    display_phone_number: str
    access_token: str | None
    status: str
    is_default: bool = False


def default_number(*, token: str, phone_number_id: str) -> DefaultNumber | None:
    """The default number named by settings, or None when they name none."""
    if not token or not phone_number_id:
        return None
    return DefaultNumber(phone_number_id=phone_number_id, access_token=token)


async def _first_shop_id() -> int | None:
    shop = await Shop.filter(is_active=True).order_by("id").first()
    return shop.id if shop is not None else None


def _opened(integration: Integration, vault: Vault) -> WhatsAppNumber | None:
    sealed = (integration.secrets or {}).get(TOKEN_FIELD)
    if not sealed:
        return None
    try:
        token = vault.open(str(sealed))
    except SealedSecretError:
        return None
    return WhatsAppNumber(
        shop_id=integration.shop_id,
        phone_number_id=str(integration.external_key),
        access_token=token,
    )


async def number_by_phone_number_id(
    phone_number_id: str, *, vault: Vault, default: DefaultNumber | None
) -> WhatsAppNumber | None:
    """The number Meta names in a delivery, with its shop; None for a number we do not
    serve (or whose token cannot be opened with this deployment's key)."""
    integration = await Integration.get_or_none(
        provider=PROVIDER, external_key=phone_number_id, status=IntegrationStatus.CONNECTED
    )
    if integration is not None:
        return _opened(integration, vault)
    if default is not None and default.phone_number_id == phone_number_id:
        shop_id = await _first_shop_id()
        if shop_id is not None:
            return WhatsAppNumber(
                shop_id=shop_id,
                phone_number_id=phone_number_id,
                access_token=default.access_token,
                is_default=True,
            )
    return None


async def number_of_shop(
    shop_id: int, *, vault: Vault, default: DefaultNumber | None
) -> WhatsAppNumber | None:
    """The number a shop writes from: its own, else the default one for the first shop."""
    integration = (
        await Integration.filter(
            shop_id=shop_id, provider=PROVIDER, status=IntegrationStatus.CONNECTED
        )
        .order_by("id")
        .first()
    )
    if integration is not None:
        return _opened(integration, vault)
    if default is not None and await _first_shop_id() == shop_id:
        taken = await Integration.filter(
            provider=PROVIDER, external_key=default.phone_number_id
        ).exists()
        if not taken:
            return WhatsAppNumber(
                shop_id=shop_id,
                phone_number_id=default.phone_number_id,
                access_token=default.access_token,
                is_default=True,
            )
    return None


async def connect_number(
    *,
    shop_id: int,
    phone_number_id: str,
    access_token: str,
    vault: Vault,
    display_phone_number: str = "",
) -> tuple[Integration, bool]:
    """Register (or reconnect with a new token) a shop's WhatsApp number.

    Outcomes: (integration, True) when new, (integration, False) when the shop's number
    was updated; ValidationFailed for an id that is not digits or an empty token;
    Conflict when another shop has that number; NotFound for an unknown shop.
    """
    phone_number_id = (phone_number_id or "").strip()
    access_token = (access_token or "").strip()
    if not phone_number_id.isdigit():
        raise ValidationFailed.field(
            "phone_number_id", msg="The phone number id is Meta's id of the number (digits)"
        )
    if not access_token:
        raise ValidationFailed.field("access_token", msg="The access token is empty")
    if not await Shop.filter(id=shop_id).exists():
        raise NotFound("Shop")
    existing = await Integration.get_or_none(provider=PROVIDER, external_key=phone_number_id)
    if existing is not None and existing.shop_id != shop_id:
        raise Conflict(f"WhatsApp number {phone_number_id} is connected to another shop")
    secrets = {TOKEN_FIELD: vault.seal(access_token)}
    display = display_phone_number.strip()
    config = {"display_phone_number": display} if display else {}
    if existing is not None:
        existing.secrets = secrets
        existing.config = {**(existing.config or {}), **config}
        existing.status = IntegrationStatus.CONNECTED
        existing.last_error = None  # type: ignore[assignment]
        await existing.save(
            update_fields=["secrets", "config", "status", "last_error", "updated_at"]
        )
        return existing, False
    integration = await Integration.create(
        shop_id=shop_id,
        provider=PROVIDER,
        external_key=phone_number_id,
        secrets=secrets,
        config=config,
    )
    return integration, True


def _masked(integration: Integration, vault: Vault) -> str | None:
    sealed = (integration.secrets or {}).get(TOKEN_FIELD)
    if not sealed:
        return None
    try:
        return mask(vault.open(str(sealed)))
    except SealedSecretError:
        return "(sealed with another SECRETS_KEY: reconnect)"


async def list_numbers(
    *, vault: Vault, default: DefaultNumber | None, shop_id: int | None = None
) -> list[NumberView]:
    """Every number (of one shop, if given), tokens masked; the default number first."""
    views: list[NumberView] = []
    if default is not None:
        first = await _first_shop_id()
        taken = await Integration.filter(
            provider=PROVIDER, external_key=default.phone_number_id
        ).exists()
        if first is not None and not taken and shop_id in (None, first):
            views.append(
                NumberView(
                    shop_id=first,
                    phone_number_id=default.phone_number_id,
                    display_phone_number="",
                    access_token=mask(default.access_token),
                    status=IntegrationStatus.CONNECTED.value,
                    is_default=True,
                )
            )
    query = Integration.filter(provider=PROVIDER)
    if shop_id is not None:
        query = query.filter(shop_id=shop_id)
    for integration in await query.order_by("shop_id", "id"):
        views.append(
            NumberView(
                shop_id=integration.shop_id,
                phone_number_id=str(integration.external_key),
                display_phone_number=str(
                    (integration.config or {}).get("display_phone_number", "")
                ),
                access_token=_masked(integration, vault),
                status=str(integration.status),
                is_default=False,
            )
        )
    return views


async def disconnect_number(*, shop_id: int, phone_number_id: str) -> None:
    """Stop serving a shop's number (its row stays, marked disconnected); NotFound otherwise."""
    updated = await Integration.filter(
        shop_id=shop_id, provider=PROVIDER, external_key=phone_number_id
    ).update(status=IntegrationStatus.DISCONNECTED)
    if not updated:
        raise NotFound("WhatsApp number")
