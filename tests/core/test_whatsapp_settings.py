"""WhatsApp settings: the Graph API base and version, the default number (token and
phone number id together), the app secret production needs with a number."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ENV", "JWT_SECRET", "SECRETS_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("API_BASE", "API_VERSION", "APP_SECRET", "TOKEN", "PHONE_NUMBER_ID"):
        monkeypatch.delenv(f"WHATSAPP_{name}", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WHATSAPP_API_BASE": "graph.facebook.com"}, "WHATSAPP_API_BASE"),
        ({"WHATSAPP_API_VERSION": "23"}, "WHATSAPP_API_VERSION"),
        ({"WHATSAPP_PHONE_NUMBER_ID": "+77270001122"}, "WHATSAPP_PHONE_NUMBER_ID"),
        ({"WHATSAPP_TOKEN": "EAAG-x"}, "WHATSAPP_TOKEN"),
        ({"WHATSAPP_PHONE_NUMBER_ID": "1065403"}, "WHATSAPP_TOKEN"),
        (
            {
                "ENV": "production",
                "JWT_SECRET": "j" * 40,
                "SECRETS_KEY": "s" * 40,
                "WHATSAPP_TOKEN": "EAAG-x",
                "WHATSAPP_PHONE_NUMBER_ID": "1065403",
            },
            "WHATSAPP_APP_SECRET",
        ),
    ],
)
def test_a_bad_whatsapp_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert named in str(raised.value) and "\n" not in str(raised.value)


def test_whatsapp_defaults_point_at_meta(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHATSAPP_API_BASE", "https://graph.example.kz/")
    settings = load_settings(data_dir=tmp_path / "var")
    assert settings.whatsapp_api_base == "https://graph.example.kz"
    assert settings.whatsapp_api_version.startswith("v")
    assert settings.whatsapp_app_secret == "" and settings.whatsapp_token == ""
