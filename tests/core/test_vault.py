"""Secrets at rest are sealed with the deployment key and shown masked."""

from __future__ import annotations

import pytest

from core.settings import SettingsError, load_settings
from core.vault import SealedSecretError, Vault, mask


def test_a_sealed_secret_opens_with_the_same_key_only() -> None:
    vault = Vault("k" * 40)
    sealed = vault.seal("shpat_abc123")
    assert sealed.startswith("v1:") and "shpat" not in sealed
    assert vault.open(sealed) == "shpat_abc123"
    with pytest.raises(SealedSecretError):
        Vault("other" * 10).open(sealed)
    with pytest.raises(SealedSecretError):
        vault.open("shpat_abc123")


def test_masks_show_the_ends_only() -> None:
    assert mask("your_shopify_api_key") == "your...key"
    assert mask("short") == "*****"
    assert mask(None) is None


def test_development_generates_a_key_and_production_requires_one(tmp_path) -> None:
    first = load_settings(data_dir=tmp_path, database_url="", jwt_secret="j" * 40)
    again = load_settings(data_dir=tmp_path, database_url="", jwt_secret="j" * 40)
    assert len(first.secrets_key) >= 32 and first.secrets_key == again.secrets_key
    with pytest.raises(SettingsError, match="SECRETS_KEY"):
        load_settings(data_dir=tmp_path, env="production", jwt_secret="j" * 40, secrets_key="")
    with pytest.raises(SettingsError, match="SECRETS_KEY"):
        load_settings(data_dir=tmp_path, secrets_key="short")
