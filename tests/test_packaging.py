"""The package as shipped: a wheel built from the tree, installed in a fresh venv, speaks
Russian and Kazakh (the Dockerfile installs the same way, without an editable checkout)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import migrated_sqlite

ROOT = Path(__file__).resolve().parent.parent
# What a clean clone has: no compiled catalogues, no local state.
LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "*.egg-info", "__pycache__", "*.mo", ".*_cache", "tests"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _translation(language: str, msgid: str) -> str:
    with (ROOT / "sauda" / "locales" / language / "LC_MESSAGES" / "web.po").open("rb") as po:
        message = read_po(po, locale=language)[msgid]
    assert message is not None and message.string, (language, msgid)
    return str(message.string)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("tree") / "sauda"
    shutil.copytree(ROOT, tree, ignore=LEFT_OUT, symlinks=True)
    out = tree.parent / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(out), str(tree)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("sauda-*.whl")
    return built


def test_the_wheel_carries_compiled_catalogues_and_every_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("ru", "kk", "uz", "en"):
        for domain in ("messages", "web"):
            assert f"sauda/locales/{language}/LC_MESSAGES/{domain}.mo" in names
    for package in ("core", "api", "bot", "scheduler", "sauda", "integrations"):
        assert f"{package}/__init__.py" in names, package
    assert any(name.startswith("api/static/") for name in names)
    # Every migration ships (the installed wheel below migrates a copy of a migrated file).
    for migration in (ROOT / "core" / "migrations").glob("*.py"):
        assert f"core/migrations/{migration.name}" in names, migration.name


def test_an_installed_wheel_serves_the_tracking_page_in_russian_and_kazakh(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=300,
    )
    # The dependencies come from the project's venv as a plain path: its .pth files
    # (the editable checkout among them) are not read, so `core` is the wheel's.
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.check_output(
        [str(python), "-c", "import core.i18n as i; print(i.__file__); print(i.LOCALES_DIR)"],
        text=True,
        cwd=tmp_path,
    ).split()
    assert all(path.startswith(str(venv)) for path in where), where

    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "REDIS_", "DATABASE_", "PUBLIC_"))
    }
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        # Migrated once per schema by the test session (a new file takes ~20 s of CPU);
        # that every migration ships is checked on the wheel's file list above.
        DATABASE_URL=migrated_sqlite(tmp_path / "sauda.sqlite3"),
        HOST="127.0.0.1",
        API_PORT=str(port),
        CRM_PORT=str(_free_port()),
        CONSULT_PORT=str(_free_port()),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
    )
    sauda = str(venv / "bin" / "sauda")
    subprocess.run([sauda, "migrate"], check=True, env=env, cwd=tmp_path, timeout=120)
    demo = subprocess.run(
        [sauda, "demo"], check=True, env=env, cwd=tmp_path, timeout=120, capture_output=True
    ).stdout.decode()
    token = re.search(r"/tracking/([\w-]+)", demo)
    assert token, demo
    server = subprocess.Popen(
        [sauda, "serve", "--no-bot", "--no-scheduler", "--no-outbox", "--no-migrate"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        pages = {}
        deadline = time.monotonic() + 60
        for language in ("ru", "kk"):
            url = f"http://127.0.0.1:{port}/tracking/{token.group(1)}?lang={language}"
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        pages[language] = response.read().decode()
                    break
                except OSError:
                    assert server.poll() is None, "serve exited"
                    assert time.monotonic() < deadline, "serve did not answer"
                    time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for language in ("ru", "kk"):
        assert _translation(language, "Delivery address") in pages[language], language
    assert _translation("kk", "Delivery address") not in pages["ru"]


def test_the_image_copies_every_package_the_wheel_is_built_from() -> None:
    copied = set(re.findall(r"^COPY (\S+) \./", (ROOT / "Dockerfile").read_text(), re.M))
    for package in ("core", "api", "bot", "scheduler", "sauda", "integrations"):
        assert package in copied, package
    assert {"pyproject.toml", "setup.py"} <= set(
        re.search(r"^COPY (.+) \./$", (ROOT / "Dockerfile").read_text(), re.M).group(1).split()
    )
