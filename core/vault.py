"""Secrets at rest: integration tokens, API secrets and passwords of outside systems.

Stored sealed (Fernet: AES-128-CBC + HMAC-SHA256) with a key derived from the
`SECRETS_KEY` setting, opened only where a client needs the plain value, and shown
masked in every answer (`your...key`).

    vault = Vault(settings.secrets_key)
    sealed = vault.seal("shpat_abc123")     # "v1:gAAAA..." for the database
    vault.open(sealed)                      # "shpat_abc123"
    mask("your_shopify_api_key")            # "your...key"
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "v1:"


class SealedSecretError(Exception):
    """A stored secret cannot be opened with this deployment's key."""


class Vault:
    """Seals and opens secrets with one deployment key."""

    def __init__(self, key: str) -> None:
        if len(key) < 32:
            raise ValueError("SECRETS_KEY must be at least 32 characters")
        digest = hashlib.sha256(b"sauda-vault:" + key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plain: str) -> str:
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        if not sealed.startswith(PREFIX):
            raise SealedSecretError("not a sealed secret")
        try:
            return self._fernet.decrypt(sealed.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise SealedSecretError("sealed with another key, or altered") from None

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(PREFIX)


def mask(secret: str | None) -> str | None:
    """What answers show of a secret: its first 4 and last 3 characters (`your...key`)."""
    if secret is None:
        return None
    if len(secret) <= 8:
        return "*" * len(secret)
    return f"{secret[:4]}...{secret[-3:]}"
