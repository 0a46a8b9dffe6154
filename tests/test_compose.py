"""docker-compose.yml is a working deployment: its services' commands, started as
processes with one `.env` (no Docker engine here), migrate once, serve the API, receive a
Telegram webhook update on the API process and answer it through the (fake) Bot API,
while the bot process registers the webhook; every service's health check passes.

The compose file is read as written: each service's `command`, `environment` (with its
`${VAR:-default}` / `${VAR:?message}` substitutions from the `.env`), `env_file` and
`healthcheck`. Only what a container provides is mapped: its own /tmp, the database and
Redis hosts, the ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.conftest import (
    POSTGRES_URL,
    REDIS_URL,
    REQUIRE_SERVICES,
    _postgres_admin,
    _postgres_template,
)
from tests.fakes.telegram import DEFAULT_TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
SAUDA = str(Path(sys.executable).parent / "sauda")
SECRET = "compose-webhook-secret-0123456789"
WEBHOOK_PATH = "/api/v1/webhooks/telegram"
_VAR = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def substitute(value: str, env: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, kind, arg = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise AssertionError(f"compose requires {name}: {arg}")
        return arg or ""

    return _VAR.sub(one, value)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


class Deployment:
    """The compose services as local processes."""

    def __init__(self, work: Path, dotenv: dict[str, str], database_url: str) -> None:
        self.work = work
        self.dotenv = dotenv
        self.database_url = database_url
        self.spec = compose()
        self.ports = {"API_PORT": free_port(), "CRM_PORT": free_port(), "CONSULT_PORT": free_port()}
        self.processes: dict[str, asyncio.subprocess.Process] = {}

    def sauda_services(self) -> list[str]:
        return [
            name
            for name, service in self.spec["services"].items()
            if str(service.get("image", "")).startswith("sauda")
        ]

    def container_path(self, service: str, value: str) -> str:
        """A container's own /tmp is a folder of the test's per service."""
        return value.replace("/tmp/", str(self.work / service / "tmp") + "/")

    def environment(self, service: str) -> dict[str, str]:
        spec = self.spec["services"][service]
        assert spec.get("env_file") == ".env", f"{service} reads no .env"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SAUDA_", "TEST_"))}
        for key in list(env):
            if key in self.dotenv or key in (spec.get("environment") or {}):
                del env[key]
        for key, value in (spec.get("environment") or {}).items():
            env[key] = self.container_path(service, substitute(str(value), self.dotenv))
        # What the containers' network names resolve to here.
        env["DATABASE_URL"] = self.database_url
        env["REDIS_URL"] = REDIS_URL
        env["DATA_DIR"] = str(self.work / "data")
        env["HOST"] = "127.0.0.1"
        env.update({key: str(port) for key, port in self.ports.items()})
        return env

    def localise(self, argv: list[str], service: str) -> list[str]:
        argv = [self.container_path(service, str(part)) for part in argv]
        argv = [part.replace(":8000/", f":{self.ports['API_PORT']}/") for part in argv]
        return [SAUDA if part == "sauda" else part for part in argv]

    async def run(self, service: str, argv: list[str] | None = None) -> tuple[int, str]:
        command = self.localise(argv or self.spec["services"][service]["command"], service)
        (self.work / service / "tmp").mkdir(parents=True, exist_ok=True)
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=self.work,
            env=self.environment(service),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        return int(process.returncode or 0), out.decode(errors="replace")

    async def start(self, service: str) -> None:
        command = self.localise(self.spec["services"][service]["command"], service)
        (self.work / service / "tmp").mkdir(parents=True, exist_ok=True)
        log = (self.work / f"{service}.log").open("wb")
        self.processes[service] = await asyncio.create_subprocess_exec(
            *command,
            cwd=self.work,
            env=self.environment(service),
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )

    def log(self, service: str) -> str:
        return (self.work / f"{service}.log").read_text(errors="replace")

    async def healthy(self, service: str) -> tuple[int, str]:
        spec = self.spec["services"][service]
        check = spec.get("healthcheck") or {}
        assert not check.get("disable"), f"{service} has no health check"
        test = check["test"]
        assert test[0] == "CMD", test
        return await self.run(service, test[1:])

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_for(condition: Any, *, within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"not within {within} s: {what}")


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A database of its own, made from the session's migrated template (migrating a new
    one takes ~20 s of CPU): the compose `migrate` service runs on it and finds nothing
    to do; `sauda migrate` on a new database is tests/test_cli.py's."""
    name = f"sauda_compose_{os.getpid()}"
    try:
        template = await _postgres_template(POSTGRES_URL)
        await _postgres_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _postgres_admin(POSTGRES_URL, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    except Exception as error:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is not reachable: {error}")
        pytest.skip(f"PostgreSQL not reachable: {error}")
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    with contextlib.suppress(Exception):
        await _postgres_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_compose_file_names_one_env_file_and_a_health_check_for_every_service() -> None:
    services = compose()["services"]
    for name, service in services.items():
        if name == "migrate":
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in ("api", "bot", "scheduler", "migrate"):
        assert services[name]["env_file"] == ".env"
    exposed = {name for name, service in services.items() if service.get("ports")}
    assert exposed == {"api"}, "only the API process serves HTTP"


async def test_compose_services_started_as_processes_serve_the_api_and_the_bot_webhook(
    tmp_path: Path, database: str
) -> None:
    telegram = FakeTelegram()
    await telegram.start()
    dotenv = read_env_file(ROOT / ".env.example")
    dotenv.update(
        JWT_SECRET="j" * 40,
        SECRETS_KEY="s" * 40,
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE=telegram.base_url,
        TELEGRAM_WEBHOOK_URL=f"https://shop.example.kz{WEBHOOK_PATH}",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        PUBLIC_BASE_URL="https://shop.example.kz",
        OTP_DELIVERY="telegram",
    )
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()))
    deployment = Deployment(tmp_path, dotenv, database)
    assert set(deployment.sauda_services()) == {"migrate", "api", "bot", "scheduler"}
    try:
        code, out = await deployment.run("migrate")
        assert code == 0, out
        code, out = await deployment.run("api", ["sauda", "shop", "create", "Гүлдер"])
        assert code == 0, out
        for service in ("api", "bot", "scheduler"):
            await deployment.start(service)

        async def api_up() -> bool:
            return (await deployment.healthy("api"))[0] == 0

        await wait_for(api_up, within=60, what="the api's health check\n" + deployment.log("api"))

        async def webhook_registered() -> bool:
            return telegram.webhook.get("url") == dotenv["TELEGRAM_WEBHOOK_URL"]

        await wait_for(webhook_registered, within=60, what="setWebhook\n" + deployment.log("bot"))
        assert telegram.webhook["secret_token"] == SECRET

        update = telegram.message_update(
            telegram.user_dict(4242, "Aru", "ru", None), text="/start"
        ).model_dump(mode="json", exclude_none=True)
        url = f"http://127.0.0.1:{deployment.ports['API_PORT']}{WEBHOOK_PATH}"
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update) as refused:
                assert refused.status == 401
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with session.post(url, json=update, headers=headers) as answer:
                assert answer.status == 200, await answer.text()

        async def answered() -> bool:
            return bool(telegram.texts(4242))

        await wait_for(answered, within=30, what="the bot's answer\n" + deployment.log("api"))
        for service in ("api", "bot", "scheduler"):
            code, out = await deployment.healthy(service)
            assert code == 0, f"{service}: {out}\n{deployment.log(service)}"
        for service, process in deployment.processes.items():
            assert process.returncode is None, f"{service} exited\n{deployment.log(service)}"
    finally:
        await deployment.stop()
        await telegram.close()
