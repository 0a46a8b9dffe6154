"""Each process imports what its role needs: the API process (`sauda serve --no-bot`)
loads neither aiogram nor google-genai, even with a bot token and a Gemini key set
(the Telegram deliverer and the Gemini client are imported on their first use).

The server runs in a subprocess, as deployed; once /health answers, a thread inside it
writes the names of the loaded modules and stops it as SIGTERM would.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import JWT_SECRET, migrated_sqlite

DRIVER = r"""
import json, os, signal, sys, threading, time, urllib.request

def watch():
    url = f"http://127.0.0.1:{os.environ['API_PORT']}/health"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    with open(sys.argv[1], "w") as out:
        json.dump(sorted(sys.modules), out)
    os.kill(os.getpid(), signal.SIGTERM)

threading.Thread(target=watch, daemon=True).start()
from sauda.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _process_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A `sauda` process's environment: a migrated SQLite file, the in-process store, no
    bot token or Gemini key unless given."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "GEMINI_"))},
        "DATABASE_URL": migrated_sqlite(tmp_path / "sauda.sqlite3"),
        "REDIS_URL": "",
        "DATA_DIR": str(tmp_path / "var"),
        "JWT_SECRET": JWT_SECRET,
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": "",
        "GEMINI_API_KEY": "",
        **settings,
    }


@pytest.mark.parametrize(
    "extra",
    [{}, {"TELEGRAM_BOT_TOKEN": "123456:test-token", "GEMINI_API_KEY": "test-key"}],
    ids=["defaults", "with-bot-token-and-gemini-key"],
)
def test_the_api_process_imports_neither_aiogram_nor_gemini(
    tmp_path: Path, extra: dict[str, str]
) -> None:
    listing = tmp_path / "modules.json"
    env = _process_env(
        tmp_path,
        HOST="127.0.0.1",
        API_PORT=str(_free_port()),
        CRM_PORT=str(_free_port()),
        CONSULT_PORT=str(_free_port()),
        **extra,
    )
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(listing), "serve", "--no-bot"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert listing.exists(), done.stderr[-3000:]
    modules = json.loads(listing.read_text())
    assert "api.app" in modules and "scheduler.runner" in modules  # it did serve
    assert "bot.subscribers" in modules  # the bot's outbox rows are still written
    loaded = [m for m in modules if m.split(".")[0] == "aiogram" or m.startswith("google.genai")]
    assert loaded == [], loaded[:10]


COMMANDS_DRIVER = r"""
import json, sys
from sauda.cli import main

report = []
for argv in json.loads(sys.argv[2]):
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    heavy = sorted(
        m for m in sys.modules if m.split(".")[0] == "aiogram" or m.startswith("google.genai")
    )
    report.append({"argv": argv, "code": code, "heavy": heavy[:5]})
with open(sys.argv[1], "w") as out:
    json.dump(report, out)
"""

# Every subcommand but the processes (`serve`, `scheduler`) and `demo`. With a bot token
# set, `shop create` and `shop list` ask the Bot API for the bot's name (getMe) for their
# t.me links: one plain HTTP call, answered here by a closed loopback port.
LOCAL_COMMANDS = [
    ["--help"],
    ["migrate"],
    ["shop", "create", "Гүлдер", "--slug", "gulder"],
    ["shop", "list"],
    ["shop", "payment-secret", "--shop", "gulder"],
    ["user", "add", "+77011234567", "--role", "owner", "--shop", "gulder"],
    ["user", "list", "--shop", "gulder"],
    ["user", "remove", "+77011234567", "--shop", "gulder"],
    ["apikey", "create", "--shop", "gulder"],
    ["apikey", "list", "--shop", "gulder"],
    ["apikey", "revoke", "--shop", "gulder", "1"],
    ["webhook", "set", "--shop", "gulder", "--url", "https://93.184.215.14/hooks"],
    ["webhook", "list", "--shop", "gulder"],
    ["whatsapp", "connect", "--shop", "gulder", "--phone-number-id", "1", "--token", "t" * 20],
    ["whatsapp", "list"],
    ["whatsapp", "disconnect", "--shop", "gulder", "--phone-number-id", "1"],
    ["consult", "list", "--shop", "gulder"],
    ["scheduler", "--list"],
    ["healthcheck", "--heartbeat", "missing-file"],
]


def test_commands_that_stay_on_this_machine_import_neither_aiogram_nor_gemini(
    tmp_path: Path,
) -> None:
    """A `sauda` command answers in well under a second: importing aiogram alone takes
    seconds. The commands run one after another in one process (a bot token and a Gemini
    key set), and after each the process must still have loaded neither. At INFO they
    log nothing of Tortoise's or APScheduler's."""
    report = tmp_path / "report.json"
    env = _process_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123456:test-token",
        TELEGRAM_API_BASE=f"http://127.0.0.1:{_free_port()}",
        GEMINI_API_KEY="test-key",
        LOG_LEVEL="INFO",
    )
    done = subprocess.run(
        [sys.executable, "-c", COMMANDS_DRIVER, str(report), json.dumps(LOCAL_COMMANDS)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert report.exists(), done.stderr[-3000:]
    results = json.loads(report.read_text())
    assert [r["argv"] for r in results] == LOCAL_COMMANDS
    # They ran (the missing heartbeat is the one refusal asked for).
    assert [r["code"] for r in results] == [0] * (len(LOCAL_COMMANDS) - 1) + [1], done.stderr
    assert [(r["argv"], r["heavy"]) for r in results if r["heavy"]] == []
    # Quiet at INFO: no Tortoise line per command, no APScheduler lines (DEBUG shows them).
    noisy = [
        line for line in done.stderr.splitlines() if " tortoise" in line or "apscheduler" in line
    ]
    assert noisy == [], noisy[:5]
