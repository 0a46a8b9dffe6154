"""The `sauda` command: migrate, shop create, user add, apikey create, bad settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sauda.cli import main


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path / 'cli.sqlite3'}")
    monkeypatch.delenv("ENV", raising=False)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    return tmp_path


def test_admin_commands_create_a_shop_a_member_and_a_key(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert (
        main(
            [
                "shop",
                "create",
                "Гүлдер",
                "--slug",
                "gulder",
                "--timezone",
                "Asia/Tashkent",
                "--currency",
                "UZS",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "user",
                "add",
                "+77011234567",
                "--role",
                "owner",
                "--shop",
                "gulder",
                "--email",
                "o@example.kz",
                "--password",
                "long enough",
            ]
        )
        == 0
    )
    assert main(["apikey", "create", "--shop", "gulder"]) == 0
    output = capsys.readouterr().out
    key = next(line for line in output.splitlines() if line.startswith("sk_"))

    async def check() -> None:
        from core.auth.apikeys import authenticate_api_key
        from core.clock import SystemClock
        from core.db import close_db, init_db
        from core.models import Membership, Shop

        await init_db(f"sqlite://{env / 'cli.sqlite3'}")
        try:
            shop = await Shop.get(slug="gulder")
            assert shop.timezone == "Asia/Tashkent" and shop.currency == "UZS"
            assert await Membership.filter(shop_id=shop.id, role="owner").count() == 1
            principal = await authenticate_api_key(key, now=SystemClock().now())
            assert principal.shop_id == shop.id
        finally:
            await close_db()

    asyncio.run(check())


def test_unknown_shop_is_a_clear_message(env: Path) -> None:
    assert main(["migrate"]) == 0
    with pytest.raises(SystemExit, match="no shop 'nope'"):
        main(["apikey", "create", "--shop", "nope"])


def test_bad_settings_stop_with_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("API_PORT", "not-a-port")
    assert main(["migrate"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("sauda: Invalid setting API_PORT") and "\n" not in error


def test_commands_run_on_uvloop_where_the_platform_has_it() -> None:
    import asyncio

    from sauda.cli import _run_loop

    async def loop_module() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert _run_loop(loop_module()).startswith("uvloop")


def _shop_with_a_florist(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["shop", "create", "Гүлдер"]) == 0
    assert main(["user", "add", "+77011234567", "--role", "florist", "--shop", "gulder"]) == 0
    capsys.readouterr()


def test_a_members_role_changes_only_when_asked_and_says_what_changed(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _shop_with_a_florist(capsys)
    # No terminal to ask on: nothing changes, and the message says how to change it.
    with pytest.raises(SystemExit, match="already florist.*--change-role"):
        main(["user", "add", "+77011234567", "--role", "manager", "--shop", "gulder"])
    assert main(["user", "list", "--shop", "gulder"]) == 0
    assert "\tflorist\tyes" in capsys.readouterr().out
    # The same role again is no change and needs no confirmation.
    assert main(["user", "add", "+77011234567", "--role", "florist", "--shop", "gulder"]) == 0
    capsys.readouterr()
    change = ["user", "add", "+77011234567", "--role", "manager", "--shop", "gulder"]
    assert main([*change, "--change-role"]) == 0
    assert "florist -> manager" in capsys.readouterr().out
    assert main(["user", "list", "--shop", "gulder"]) == 0
    listing = capsys.readouterr().out
    assert "+77011234567" in listing and "\tmanager\tyes" in listing and "florist" not in listing


def test_keys_are_listed_with_use_and_state_but_never_the_key(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _shop_with_a_florist(capsys)
    assert main(["apikey", "create", "--shop", "gulder", "--name", "site"]) == 0
    assert main(["apikey", "create", "--shop", "gulder", "--name", "old"]) == 0
    keys = [line for line in capsys.readouterr().out.splitlines() if line.startswith("sk_")]

    async def use_the_first() -> None:
        from core.auth.apikeys import authenticate_api_key
        from core.clock import SystemClock
        from core.db import close_db, init_db

        await init_db(f"sqlite://{env / 'cli.sqlite3'}")
        try:
            await authenticate_api_key(keys[0], now=SystemClock().now())
        finally:
            await close_db()

    asyncio.run(use_the_first())
    assert main(["apikey", "revoke", "--shop", "gulder", "2"]) == 0
    capsys.readouterr()
    assert main(["apikey", "list", "--shop", "gulder"]) == 0
    listing = capsys.readouterr().out
    rows = [line.split("\t") for line in listing.splitlines()[1:]]
    assert [row[1] for row in rows] == ["site", "old"]
    assert rows[0][4] != "never" and rows[0][5] == "active"
    assert rows[1][4] == "never" and rows[1][5].startswith("revoked")
    assert all(key not in listing and key[:12] not in listing for key in keys)
