"""`sauda whatsapp connect`, `list` (tokens masked) and `disconnect`."""

from __future__ import annotations

from pathlib import Path

import pytest

from sauda.cli import main


@pytest.fixture
def env(cli_env: Path) -> Path:
    assert main(["migrate"]) == 0
    assert main(["shop", "create", "Гүлдер", "--slug", "gulder"]) == 0
    assert main(["shop", "create", "Gullar", "--slug", "gullar"]) == 0
    return cli_env


def test_connect_list_and_disconnect_a_number_without_showing_its_token(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "EAAGm0PX4ZCpsBAKZCverysecret"
    args = ["whatsapp", "connect", "--shop", "gullar", "--phone-number-id", "200002"]
    capsys.readouterr()
    assert main([*args, "--token", token, "--display-phone", "+998901234567"]) == 0
    out = capsys.readouterr().out
    assert "connected to shop 2" in out and token not in out and "EAAG...ret" in out
    assert main([*args, "--token", token + "2"]) == 0
    assert "reconnected" in capsys.readouterr().out

    monkeypatch.setenv("WHATSAPP_TOKEN", "EAAG-default-token-1")
    monkeypatch.setenv("WHATSAPP_PHONE_NUMBER_ID", "100001")
    assert main(["whatsapp", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        "1\t100001\t-\tdefault (settings)\tEAAG...n-1",
        "2\t200002\t+998901234567\tconnected\tEAAG...et2",
    ]
    assert main(["whatsapp", "disconnect", "--shop", "gullar", "--phone-number-id", "200002"]) == 0
    capsys.readouterr()
    assert main(["whatsapp", "list", "--shop", "gullar"]) == 0
    assert capsys.readouterr().out.strip().split("\t")[3] == "disconnected"


def test_a_number_of_another_shop_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["whatsapp", "connect", "--phone-number-id", "300003", "--token", "EAAG-t"]
    assert main([*base, "--shop", "gulder"]) == 0
    capsys.readouterr()
    assert main([*base, "--shop", "gullar"]) == 1
    assert "another shop" in capsys.readouterr().err
