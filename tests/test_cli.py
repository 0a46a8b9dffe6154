"""The `sauda` command: migrate, shop create, user add, apikey create, bad settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sauda.cli import main


@pytest.fixture
def env(cli_env: Path) -> Path:
    return cli_env


def test_admin_commands_create_a_shop_a_member_and_a_key(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A new deployment: no database yet (the other tests start from a migrated copy).
    (env / "cli.sqlite3").unlink()
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


def test_user_remove_and_role_changes_reach_the_servers_cache_at_once(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command works on the deployment's Redis: what it changes is dropped from the
    facts the servers cache there (30 s), so their next request sees it."""
    import redis.exceptions

    from tests.conftest import REDIS_URL, _unavailable

    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("JWT_SECRET", "cli-test-secret-" + "y" * 40)
    _shop_with_a_florist(capsys)

    async def role_a_server_sees() -> str:
        """What a server's next request finds for the florist's token (cache on)."""
        import redis.asyncio as redis

        from core.auth import access
        from core.auth.service import TokenIssuer
        from core.clock import SystemClock
        from core.db import close_db, init_db
        from core.errors import Unauthorized
        from core.models import Shop, User

        await init_db(f"sqlite://{env / 'cli.sqlite3'}")
        kv = redis.from_url(REDIS_URL, decode_responses=True)
        access.configure(kv=kv, cache_seconds=30)
        try:
            user = await User.get(phone="+77011234567")
            shop = await Shop.get(slug="gulder")
            secret = "cli-test-secret-" + "y" * 40
            issuer = TokenIssuer(secret=secret, ttl_seconds=3600, clock=SystemClock())
            token = issuer.issue(user_id=user.id, shop_id=shop.id, role=None)
            try:
                principal = await access.principal_for_token(
                    token, secret=secret, now=SystemClock().now()
                )
            except Unauthorized:
                return "refused"
            assert await kv.get(f"auth:user:{user.id}") is not None  # cached
            return principal.role.value
        finally:
            access.reset()
            await kv.aclose()
            await close_db()

    try:
        first = asyncio.run(role_a_server_sees())
    except redis.exceptions.ConnectionError as error:
        _unavailable("Redis", error)
    assert first == "florist"
    assert asyncio.run(role_a_server_sees()) == "florist"  # from the cache
    change = ["user", "add", "+77011234567", "--role", "manager", "--shop", "gulder"]
    assert main([*change, "--change-role"]) == 0
    assert asyncio.run(role_a_server_sees()) == "manager"
    assert main(["user", "remove", "+77011234567", "--shop", "gulder"]) == 0
    assert "no longer a member" in capsys.readouterr().out
    assert asyncio.run(role_a_server_sees()) == "refused"
    with pytest.raises(SystemExit, match="holds no such role"):
        main(["user", "remove", "+77011234567", "--shop", "gulder"])
    with pytest.raises(SystemExit, match="no user"):
        main(["user", "remove", "+77019999999", "--shop", "gulder"])
