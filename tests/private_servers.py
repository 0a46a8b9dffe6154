"""Private PostgreSQL and Redis servers for tests that must see a dependency die.

The shared servers of the machine are never touched: each of these gets its own free
loopback port and its own data directory under /tmp, and is stopped, killed and started
again only by the test that made it. PostgreSQL refuses to run as root, so as root its
commands run as the `postgres` OS user (`runuser -u postgres --`), which owns the data
directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class Missing(Exception):
    """A server binary (or the user to run it as) is not on this machine."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_for_port(port: int, *, limit: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"nothing listens on {port}") from None
            await asyncio.sleep(0.05)
        else:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {output.decode(errors='replace')}")


class PrivatePostgres:
    """initdb into a temporary directory, pg_ctl on a free port."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found and shutil.which("initdb"):
            found = [str(shutil.which("initdb"))]
        if not found:
            raise Missing("PostgreSQL's initdb is not installed")
        self.bin = Path(found[-1]).parent
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise Missing("runuser is needed to run PostgreSQL as a non-root user")
            try:
                import pwd

                self._owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Missing("there is no postgres OS user to run PostgreSQL as") from None
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sauda-pg-"))
        self.data = self.root / "data"
        if self.as_user:
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    async def init(self) -> None:
        await _run(
            *self.as_user,
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        )
        await self.start()

    async def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            # No fsync: the machine does not crash, only the server does. Commits stay
            # synchronous: an immediate stop loses no transaction that answered COMMIT.
            "-c fsync=off -c full_page_writes=off"
        )
        await _run(
            *self.as_user,
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        await wait_for_port(self.port)

    async def stop(self, *, mode: str = "immediate") -> None:
        """`immediate` is a crash (no shutdown checkpoint); `fast` a clean stop."""
        await _run(
            *self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"
        )

    async def destroy(self) -> None:
        with contextlib.suppress(Exception):
            await self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """redis-server on a free port, no persistence; killed and started again at will."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise Missing("redis-server is not installed")
        self.binary = binary
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await wait_for_port(self.port)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await asyncio.wait_for(self.process.wait(), timeout=10)
        self.process = None

    async def destroy(self) -> None:
        await self.kill()
