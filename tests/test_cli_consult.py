"""`sauda consult connect`, `list` and `disconnect`: a service firm's Chatwoot and 1C:ЦЛ
settings, secrets sealed at rest and never printed after the one time they are made."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from sauda.cli import main

TOKEN = "cw-agent-token-0123456789"
PASSWORD = "1c-password-0123456789"
SECRET = "chatwoot-webhook-secret-0123456789"


@pytest.fixture
def env(cli_env: Path) -> Path:
    assert main(["migrate"]) == 0
    assert (
        main(["shop", "create", "Buxgalteriya", "--slug", "buh", "--timezone", "Asia/Tashkent"])
        == 0
    )
    return cli_env


def _stored(env: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(env / "cli.sqlite3") as db:
        rows = db.execute(
            "SELECT provider, status, config, secrets FROM integrations ORDER BY provider"
        ).fetchall()
    return [tuple(map(str, row)) for row in rows]  # type: ignore[misc]


CHATWOOT = [
    "--chatwoot-url", "https://chat.buh.uz/", "--chatwoot-account", "3",
    "--chatwoot-inbox", "7", "--chatwoot-token", TOKEN,
]  # fmt: skip
ONEC = ["--onec-url", "https://1c.buh.uz/cl", "--onec-user", "site", "--onec-password", PASSWORD]


def test_a_firm_connects_chatwoot_and_1c_and_its_secrets_are_sealed_and_masked(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["consult", "connect", "--shop", "buh", *CHATWOOT, *ONEC]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0] == (
        "Chatwoot connected to shop 1: https://chat.buh.uz, account 3, inbox 7 (token cw-a...789)"
    )
    assert lines[1].startswith(
        "Chatwoot webhook URL (Settings > Integrations > Webhooks): "
        "http://localhost:7070/api/chatwoot/webhook/"
    )
    assert lines[2].startswith("webhook secret (shown once, keep it safe): ")
    made = lines[2].rsplit(" ", 1)[1]
    assert len(made) >= 32
    assert lines[3] == (
        "1C connected to shop 1: https://1c.buh.uz/cl, user site, Document_Консультация"
        " (password 1c-p...789)"
    )
    assert TOKEN not in out and PASSWORD not in out
    stored = _stored(env)
    assert [(p, s) for p, s, _, _ in stored] == [("chatwoot", "connected"), ("onec", "connected")]
    for _, _, config, secrets in stored:
        for secret in (TOKEN, PASSWORD, made):
            assert secret not in config and secret not in secrets
    assert set(json.loads(stored[0][3])) == {"api_access_token", "webhook_secret"}

    # Reconnecting keeps the webhook secret Chatwoot already has (none printed);
    # naming one replaces it.
    assert main(["consult", "connect", "--shop", "buh", *CHATWOOT[:-1], TOKEN + "x"]) == 0
    out = capsys.readouterr().out
    assert "Chatwoot reconnected to shop 1" in out and "shown once" not in out
    assert main(["consult", "list", "--shop", "buh"]) == 0
    listed = capsys.readouterr().out.strip().splitlines()
    chatwoot = listed[0].split("\t")
    assert chatwoot[:6] == [
        "chatwoot", "connected", "https://chat.buh.uz", "account 3", "inbox 7", "token cw-a...89x",
    ]  # fmt: skip
    assert chatwoot[6] == f"webhook secret {made[:4]}...{made[-3:]}"
    assert chatwoot[7].startswith("http://localhost:7070/api/chatwoot/webhook/")
    assert listed[1].split("\t") == [
        "onec", "connected", "https://1c.buh.uz/cl", "user site", "password 1c-p...789",
        "Document_Консультация",
    ]  # fmt: skip
    assert (
        main(
            ["consult", "connect", "--shop", "buh", *CHATWOOT, "--chatwoot-webhook-secret", SECRET]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["consult", "list", "--shop", "buh"]) == 0
    out = capsys.readouterr().out
    assert "webhook secret chat...789" in out and SECRET not in out

    assert main(["consult", "disconnect", "--shop", "buh", "--onec"]) == 0
    assert capsys.readouterr().out.strip() == "onec of shop 1 disconnected"
    assert [(p, s) for p, s, _, _ in _stored(env)] == [
        ("chatwoot", "connected"),
        ("onec", "disconnected"),
    ]


def test_incomplete_or_bad_settings_are_refused_and_change_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit, match="also give --chatwoot-inbox --chatwoot-token"):
        main(["consult", "connect", "--shop", "buh", *CHATWOOT[:4]])
    with pytest.raises(SystemExit, match="give the Chatwoot options, the 1C options"):
        main(["consult", "connect", "--shop", "buh"])
    bad_url = ["--onec-url", "ftp://1c.buh.uz", *ONEC[2:]]
    assert main(["consult", "connect", "--shop", "buh", *bad_url]) == 1
    assert (
        capsys.readouterr().err.strip()
        == "sauda: base_url: must be an http:// or https:// URL with a host name"
    )
    with pytest.raises(SystemExit, match="no shop 'nope'"):
        main(["consult", "connect", "--shop", "nope", *ONEC])
    assert _stored(env) == []
