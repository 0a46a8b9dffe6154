"""`sauda webhook set` and `sauda webhook list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from sauda.cli import main


@pytest.fixture
def env(cli_env: Path) -> Path:
    assert main(["migrate"]) == 0
    assert main(["shop", "create", "Цветы", "--slug", "tsvety"]) == 0
    return cli_env


def test_set_creates_then_updates_the_endpoint_and_list_masks_the_secret(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    url = "https://93.184.215.14/hooks"
    assert main(["webhook", "set", "--shop", "tsvety", "--url", url]) == 0
    created = capsys.readouterr().out
    assert "created" in created
    secret = created.split("keep it safe): ")[1].strip()
    assert secret.startswith("whsec_")
    assert (
        main(["webhook", "set", "--shop", "tsvety", "--url", url, "--events", "payment.received"])
        == 0
    )
    updated = capsys.readouterr().out
    assert "updated" in updated and "payment.received" in updated and "secret" not in updated
    assert main(["webhook", "list", "--shop", "tsvety"]) == 0
    listed = capsys.readouterr().out.strip().splitlines()
    assert len(listed) == 1
    assert url in listed[0] and "payment.received" in listed[0]
    assert listed[0].endswith("****" + secret[-4:])
    assert secret not in listed[0]


def test_set_refuses_a_loopback_url_unless_allowed(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capsys.readouterr()
    assert main(["webhook", "set", "--shop", "tsvety", "--url", "http://127.0.0.1:9000/"]) == 1
    assert "loopback" in capsys.readouterr().err
    monkeypatch.setenv("ALLOW_PRIVATE_WEBHOOKS", "true")
    assert main(["webhook", "set", "--shop", "tsvety", "--url", "http://127.0.0.1:9000/"]) == 0
