"""Settings: bad values stop start-up with one line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import OtpDelivery, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ENV", "JWT_SECRET", "OTP_DELIVERY", "API_PORT", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"API_PORT": "eighty"}, "API_PORT"),
        ({"API_PORT": "70000"}, "API_PORT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"ENV": "staging"}, "ENV"),
        ({"ENV": "production"}, "JWT_SECRET"),
        ({"ENV": "production", "JWT_SECRET": "x" * 40, "OTP_DELIVERY": "debug"}, "OTP_DELIVERY"),
        ({"JWT_SECRET": "short"}, "JWT_SECRET"),
        ({"CONTRACT_PREFIXES": '{"nope": "/x"}'}, "CONTRACT_PREFIXES"),
        ({"TELEGRAM_WEBHOOK_URL": "https://example.kz/hook"}, "TELEGRAM_WEBHOOK_SECRET"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert named in message and "\n" not in message


def test_defaults_are_embedded_and_the_development_secret_is_kept(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path / "var")
    again = load_settings(data_dir=tmp_path / "var")
    assert first.effective_database_url.startswith("sqlite://")
    assert first.redis_url == ""
    assert len(first.jwt_secret) >= 32 and first.jwt_secret == again.jwt_secret
    assert (first.api_port, first.crm_port, first.consult_port) == (8000, 8011, 7070)
    assert first.effective_otp_delivery is OtpDelivery.DEBUG


def test_production_with_a_secret_uses_telegram_codes(tmp_path: Path) -> None:
    settings = load_settings(
        env="production", jwt_secret="y" * 40, secrets_key="z" * 40, data_dir=tmp_path
    )
    assert settings.effective_otp_delivery is OtpDelivery.TELEGRAM


def test_env_example_copied_to_env_starts_as_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer's `cp .env.example .env`: every empty value means its default."""
    example = Path(__file__).resolve().parents[2] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())
    monkeypatch.chdir(tmp_path)
    for name in ("CONTRACT_PREFIXES", "DATABASE_URL", "HEARTBEAT_FILE", "OTP_DELIVERY"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(data_dir=tmp_path / "var")
    assert settings.contract_prefixes == {} and settings.heartbeat_file is None
