"""`make fuzz`: schemathesis over every served contract, against the real app.

Starts the applications of every port in this process on loopback ports (SQLite in a
temporary directory, the in-process store, the demo shop loaded so reads find data),
issues an owner token for the demo shop, runs `schemathesis run` with every check, a
fixed seed and a bounded number of examples over each port's /openapi.json, and stops.
Exits non-zero when any check fails on any port.

    .venv/bin/python tools/fuzz.py [--max-examples N] [--seed S] [--port-name crm] [-- extra]

Arguments after `--` go to schemathesis as they are (e.g. `--include-path-regex orders`);
`--contracts shop,crm` keeps the operations of those contracts (operation ids start
with the contract's name).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from api.app import create_apps  # noqa: E402
from api.openapi import openapi_document  # noqa: E402
from core.db import apply_migrations, close_db, init_db  # noqa: E402
from core.models import Role, Shop, User  # noqa: E402
from core.settings import load_settings  # noqa: E402
from sauda.demo import OWNER_PHONE, SLUG, load_demo  # noqa: E402
from sauda.wiring import build_runtime  # noqa: E402

PORT_NAMES = ("api_port", "crm_port", "consult_port")
ENDS_LOGIN = "/auth/logout$"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run(args: argparse.Namespace, extra: list[str]) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="sauda-fuzz-"))
    try:
        ports = {name: free_port() for name in PORT_NAMES}
        settings = load_settings(
            data_dir=workdir / "var",
            database_url=f"sqlite://{workdir / 'fuzz.sqlite3'}",
            redis_url="",
            jwt_secret="fuzz-" + os.urandom(24).hex(),
            host="127.0.0.1",
            telegram_bot_token="",
            otp_delivery="debug",
            rate_limit_per_hour=10**9,
            otp_requests_per_minute=10**6,
            commerce_auth_per_minute=10**6,
            commerce_ai_per_minute=10**6,
            commerce_per_minute=10**6,
            # Loopback only, no way out: webhook hosts are not resolved (their URLs
            # are still checked), so generated hosts are not refused as unresolvable.
            allow_private_webhooks=True,
            **ports,
        )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await apply_migrations(settings.effective_database_url)
        await init_db(settings.effective_database_url)
        runners: list[web.AppRunner] = []
        try:
            runtime = build_runtime(settings)
            await load_demo(data_dir=settings.data_dir, public_base_url="")
            shop = await Shop.get(slug=SLUG)
            owner = await User.get(phone=OWNER_PHONE)

            def token() -> str:
                # A fresh owner token for each pass: a pass that logs out revokes its own.
                return runtime.issuer.issue(user_id=owner.id, shop_id=shop.id, role=Role.OWNER)

            served: dict[str, tuple[int, dict[str, Any]]] = {}
            for port, app in create_apps(runtime).items():
                runner = web.AppRunner(app, access_log=None)
                await runner.setup()
                await web.TCPSite(runner, "127.0.0.1", port).start()
                runners.append(runner)
                name = next(n for n, p in ports.items() if p == port)
                served[name] = (port, openapi_document(app))
            failed = []
            for name, (port, document) in sorted(served.items()):
                if args.port_name and name.removesuffix("_port") not in args.port_name:
                    continue
                # Operations that end the caller's login (logout) run in a pass of their
                # own after the others, so the token every other operation uses stays valid.
                ending = [
                    path
                    for path, operations in document["paths"].items()
                    if re.search(ENDS_LOGIN, path)
                    and any(
                        not args.contracts
                        or str(operation.get("operationId", "")).startswith(
                            tuple(f"{contract}_" for contract in args.contracts)
                        )
                        for operation in operations.values()
                        if isinstance(operation, dict)
                    )
                ]
                passes = [["--exclude-path-regex", ENDS_LOGIN]] if ending else [[]]
                if ending:
                    passes.append(["--include-path-regex", ENDS_LOGIN])
                for narrowing in passes:
                    status = await schemathesis(
                        port, token(), args, [*narrowing, *extra], cwd=workdir
                    )
                    print(
                        f"fuzz: {name} (:{port}) {' '.join(narrowing)} -> "
                        f"{'ok' if status == 0 else 'FAILED'}"
                    )
                    if status != 0:
                        failed.append(name)
            return 1 if failed else 0
        finally:
            for runner in runners:
                await runner.cleanup()
            await close_db()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def schemathesis(
    port: int, token: str, args: argparse.Namespace, extra: list[str], *, cwd: Path
) -> int:
    """One schemathesis run; its cache stays in the temporary directory."""
    command: list[Any] = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(ROOT / "tools" / "schemathesis.toml"),
        "run",
        f"http://127.0.0.1:{port}/openapi.json",
        "--checks",
        args.checks,
        "--seed",
        str(args.seed),
        "--max-examples",
        str(args.max_examples),
        "--workers",
        "1",
        "--header",
        f"Authorization: Bearer {token}",
        "--generation-database",
        "none",
        "--no-color",
        *(
            ["--include-operation-id-regex", "^(" + "|".join(args.contracts) + ")_"]
            if args.contracts
            else []
        ),
        *extra,
    ]
    # tools/fuzz_hooks.py: a key of its own for each call that sends an Idempotency-Key.
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tools.fuzz_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = await asyncio.create_subprocess_exec(*command, cwd=cwd, env=env)
    return await process.wait()


def main() -> int:
    argv = sys.argv[1:]
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--checks", default="all")
    parser.add_argument(
        "--port-name", action="append", help="only these ports: api, crm, consult (default: all)"
    )
    parser.add_argument(
        "--contracts",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        default=[],
        help="only these contracts' operations, e.g. shop,channels,crm (default: every one)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(run(args, extra))
    return 130


if __name__ == "__main__":
    raise SystemExit(main())
