"""Long-lived API keys for integrators: shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from core.auth.tokens import Principal
from core.errors import Unauthorized
from core.models import ApiKey, Role
from core.tenancy import get_owned

PREFIX = "sk_"


def _digest(plaintext: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(plaintext.encode()).hexdigest()


def looks_like_api_key(token: str) -> bool:
    return token.startswith(PREFIX)


async def create_api_key(
    *, shop_id: int, name: str, role: Role = Role.ADMIN, created_by: int | None = None
) -> tuple[ApiKey, str]:
    """A new key; the plaintext is returned here and never again."""
    public = secrets.token_hex(4)
    plaintext = f"{PREFIX}{public}_{secrets.token_urlsafe(32)}"
    key = await ApiKey.create(
        shop_id=shop_id,
        name=name,
        prefix=public,
        key_hash=_digest(plaintext),
        role=role,
        created_by_id=created_by,
    )
    return key, plaintext


async def authenticate_api_key(plaintext: str, *, now: datetime) -> Principal:
    """The principal of a live key; Unauthorized for an unknown or revoked one."""
    digest = _digest(plaintext)
    parts = plaintext.removeprefix(PREFIX).split("_", 1)
    key = await ApiKey.get_or_none(prefix=parts[0]) if len(parts) == 2 else None
    if key is None or not hmac.compare_digest(key.key_hash, digest) or key.revoked_at is not None:
        raise Unauthorized("Invalid API key")
    await ApiKey.filter(id=key.id).update(last_used_at=now)
    return Principal(shop_id=key.shop_id, role=Role(key.role), api_key_id=key.id)  # type: ignore[attr-defined]


async def revoke_api_key(*, shop_id: int, key_id: int, now: datetime) -> ApiKey:
    key = await get_owned(ApiKey, shop_id=shop_id, id=key_id, what="API key")
    if key.revoked_at is None:
        key.revoked_at = now
        await key.save(update_fields=["revoked_at", "updated_at"])
    return key
