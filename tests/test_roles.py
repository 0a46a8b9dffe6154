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

from tests.conftest import JWT_SECRET

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


@pytest.mark.parametrize(
    "extra",
    [{}, {"TELEGRAM_BOT_TOKEN": "123456:test-token", "GEMINI_API_KEY": "test-key"}],
    ids=["defaults", "with-bot-token-and-gemini-key"],
)
def test_the_api_process_imports_neither_aiogram_nor_gemini(
    tmp_path: Path, extra: dict[str, str]
) -> None:
    listing = tmp_path / "modules.json"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "GEMINI_"))},
        "DATABASE_URL": f"sqlite://{tmp_path / 'sauda.sqlite3'}",
        "REDIS_URL": "",
        "DATA_DIR": str(tmp_path / "var"),
        "JWT_SECRET": JWT_SECRET,
        "HOST": "127.0.0.1",
        "API_PORT": str(_free_port()),
        "CRM_PORT": str(_free_port()),
        "CONSULT_PORT": str(_free_port()),
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": "",
        "GEMINI_API_KEY": "",
        **extra,
    }
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
