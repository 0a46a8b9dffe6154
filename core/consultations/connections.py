"""A firm's connections to its Chatwoot and its 1C:ЦЛ: per-shop Integration rows.

    chatwoot: config {base_url, account_id, inbox_id}, secrets {api_access_token,
              webhook_secret}
    onec:     config {base_url, username, document}, secrets {password}

Secrets are sealed with core.vault at rest; `ChatwootConnection` / `OneCConnection`
carry them open only to the sync clients, `masked_view` shows them masked.
"""

from __future__ import annotations

import secrets as random_secrets
import uuid
from dataclasses import dataclass
from typing import Any

from core.errors import NotFound, ValidationFailed
from core.models import Integration, IntegrationStatus
from core.urls import REFUSAL, is_web_url
from core.vault import SealedSecretError, Vault, mask

CHATWOOT = "chatwoot"
ONEC = "onec"
DEFAULT_DOCUMENT = "Document_Консультация"
SECRET_FIELDS = {CHATWOOT: ("api_access_token", "webhook_secret"), ONEC: ("password",)}


@dataclass(frozen=True)
class ChatwootConnection:
    integration_id: uuid.UUID
    shop_id: int
    base_url: str
    account_id: int
    inbox_id: int
    api_access_token: str
    webhook_secret: str


@dataclass(frozen=True)
class OneCConnection:
    shop_id: int
    base_url: str
    username: str
    password: str
    document: str = DEFAULT_DOCUMENT


def _url(value: str, *loc: str) -> str:
    """An http(s) URL with a host (core.urls, as the document declares: `HTTP://` too),
    without its trailing slashes."""
    text = value.strip().rstrip("/")
    if not is_web_url(text):
        raise ValidationFailed.field(*loc, msg=REFUSAL)
    return text


async def _save(
    shop_id: int, provider: str, config: dict[str, Any], secrets: dict[str, str], vault: Vault
) -> Integration:
    sealed = {name: vault.seal(value) for name, value in secrets.items() if value}
    integration = await Integration.filter(shop_id=shop_id, provider=provider).first()
    if integration is None:
        return await Integration.create(
            shop_id=shop_id, provider=provider, config=config, secrets=sealed
        )
    integration.config = config
    integration.secrets = {**(integration.secrets or {}), **sealed}
    integration.status = IntegrationStatus.CONNECTED
    await integration.save()
    return integration


async def connect_chatwoot(
    *,
    shop_id: int,
    base_url: str,
    account_id: int,
    inbox_id: int,
    api_access_token: str,
    webhook_secret: str,
    vault: Vault,
) -> Integration:
    """Connect (or reconnect) the firm's Chatwoot inbox."""
    config = {
        "base_url": _url(base_url, "base_url"),
        "account_id": int(account_id),
        "inbox_id": int(inbox_id),
    }
    secrets = {"api_access_token": api_access_token, "webhook_secret": webhook_secret}
    return await _save(shop_id, CHATWOOT, config, secrets, vault)


async def connect_onec(
    *,
    shop_id: int,
    base_url: str,
    username: str,
    password: str,
    vault: Vault,
    document: str = DEFAULT_DOCUMENT,
) -> Integration:
    """Connect (or reconnect) the firm's 1C:ЦЛ database (its OData REST interface)."""
    config = {"base_url": _url(base_url, "base_url"), "username": username, "document": document}
    return await _save(shop_id, ONEC, config, {"password": password}, vault)


@dataclass(frozen=True)
class Connected:
    integration: Integration
    created: bool
    # The webhook secret made up for a connection that had none (shown once), else None.
    new_webhook_secret: str | None = None


async def set_up_chatwoot(
    *,
    shop_id: int,
    base_url: str,
    account_id: int,
    inbox_id: int,
    api_access_token: str,
    vault: Vault,
    webhook_secret: str | None = None,
) -> Connected:
    """Connect the firm's Chatwoot from an administrator's form (CLI, API): without a
    webhook secret the stored one is kept, and a connection that has none gets a new
    random one (returned once, for the firm to paste into Chatwoot).

    Outcomes: created or reconnected; ValidationFailed for a base URL that is no
    http(s) URL, an empty token or ids below 1."""
    if not api_access_token.strip():
        raise ValidationFailed.field("api_access_token", msg="must not be empty")
    for name, value in (("account_id", account_id), ("inbox_id", inbox_id)):
        if int(value) < 1:
            raise ValidationFailed.field(name, msg="must be a positive Chatwoot id")
    existing = await Integration.filter(shop_id=shop_id, provider=CHATWOOT).first()
    generated = None
    if not webhook_secret and (existing is None or not _open(existing, "webhook_secret", vault)):
        generated = webhook_secret = random_secrets.token_urlsafe(32)
    integration = await connect_chatwoot(
        shop_id=shop_id,
        base_url=base_url,
        account_id=account_id,
        inbox_id=inbox_id,
        api_access_token=api_access_token.strip(),
        webhook_secret=webhook_secret or "",
        vault=vault,
    )
    return Connected(integration, existing is None, generated)


async def set_up_onec(
    *,
    shop_id: int,
    base_url: str,
    username: str,
    password: str,
    vault: Vault,
    document: str | None = None,
) -> Connected:
    """Connect the firm's 1C:ЦЛ from an administrator's form (CLI, API).

    Outcomes: created or reconnected; ValidationFailed for a base URL that is no
    http(s) URL or an empty user name."""
    if not username.strip():
        raise ValidationFailed.field("username", msg="must not be empty")
    existing = await Integration.filter(shop_id=shop_id, provider=ONEC).first()
    integration = await connect_onec(
        shop_id=shop_id,
        base_url=base_url,
        username=username.strip(),
        password=password,
        vault=vault,
        document=(document or "").strip() or DEFAULT_DOCUMENT,
    )
    return Connected(integration, existing is None)


async def disconnect(*, shop_id: int, provider: str) -> bool:
    """Stop syncing to the firm's Chatwoot or 1C (its settings stay, sealed). True if
    there was a connection to stop."""
    changed = await Integration.filter(
        shop_id=shop_id, provider=provider, status=IntegrationStatus.CONNECTED
    ).update(status=IntegrationStatus.DISCONNECTED)
    return bool(changed)


async def is_firm(shop_id: int) -> bool:
    """A service firm: a shop with its Chatwoot or its 1C connected (its customers'
    chat menu offers consultations)."""
    return await Integration.exists(
        shop_id=shop_id, provider__in=[CHATWOOT, ONEC], status=IntegrationStatus.CONNECTED
    )


async def connections_of_shop(shop_id: int, *, vault: Vault) -> list[dict[str, Any]]:
    """The firm's Chatwoot and 1C connections as answers show them (secrets masked)."""
    rows = await Integration.filter(shop_id=shop_id, provider__in=[CHATWOOT, ONEC]).order_by(
        "provider"
    )
    return [masked_view(row, vault=vault) for row in rows]


def _open(integration: Integration, name: str, vault: Vault) -> str:
    sealed = (integration.secrets or {}).get(name)
    if not sealed:
        return ""
    try:
        return vault.open(str(sealed))
    except SealedSecretError:
        return ""


async def _connected(shop_id: int, provider: str) -> Integration | None:
    return await Integration.filter(
        shop_id=shop_id, provider=provider, status=IntegrationStatus.CONNECTED
    ).first()


async def chatwoot_of_shop(shop_id: int, *, vault: Vault) -> ChatwootConnection | None:
    integration = await _connected(shop_id, CHATWOOT)
    return _chatwoot(integration, vault) if integration is not None else None


async def chatwoot_by_id(integration_id: str, *, vault: Vault) -> ChatwootConnection:
    """The connected Chatwoot a webhook URL names; NotFound for anything else (a
    disconnected one included)."""
    try:
        public_id = uuid.UUID(integration_id)
    except ValueError:
        raise NotFound("Integration") from None
    integration = await Integration.get_or_none(
        public_id=public_id, provider=CHATWOOT, status=IntegrationStatus.CONNECTED
    )
    if integration is None:
        raise NotFound("Integration")
    return _chatwoot(integration, vault)


def _chatwoot(integration: Integration, vault: Vault) -> ChatwootConnection:
    config = integration.config or {}
    return ChatwootConnection(
        integration_id=integration.public_id,
        shop_id=integration.shop_id,  # type: ignore[attr-defined]
        base_url=str(config.get("base_url", "")),
        account_id=int(config.get("account_id", 0)),
        inbox_id=int(config.get("inbox_id", 0)),
        api_access_token=_open(integration, "api_access_token", vault),
        webhook_secret=_open(integration, "webhook_secret", vault),
    )


async def onec_of_shop(shop_id: int, *, vault: Vault) -> OneCConnection | None:
    integration = await _connected(shop_id, ONEC)
    if integration is None:
        return None
    config = integration.config or {}
    return OneCConnection(
        shop_id=shop_id,
        base_url=str(config.get("base_url", "")),
        username=str(config.get("username", "")),
        password=_open(integration, "password", vault),
        document=str(config.get("document") or DEFAULT_DOCUMENT),
    )


def masked_view(integration: Integration, *, vault: Vault) -> dict[str, Any]:
    """The connection as answers show it: secrets masked."""
    secrets = {
        name: mask(_open(integration, name, vault) or None)
        for name in SECRET_FIELDS.get(integration.provider, ())
    }
    return {
        "id": str(integration.public_id),
        "provider": integration.provider,
        "status": integration.status.value,
        **(integration.config or {}),
        **secrets,
    }
