"""Benchmark of the erp till on loopback (not part of the test suite): a 10-item sale from
the first scan to the checkout.

    .venv/bin/python bench/checkout_bench.py sqlite
    .venv/bin/python bench/checkout_bench.py postgres --postgres-url postgres://postgres@127.0.0.1:5432/test

It makes a fresh database, loads a store with products (barcodes, stock in the ledger)
and one cashier per concurrent till, starts `sauda serve` (API only) on 127.0.0.1 in a
separate process (bench.shop_bench's server and helpers), and has every till open a
shift and then ring up sales for a fixed time: ten `POST /api/sales/sales/scan-item/`
by barcode, then `POST /api/sales/sales/{id}/checkout/` in cash with change (an
Idempotency-Key each). It prints one JSON line: sales, errors, sales per second, and
p50/p99/max of a whole sale and of one request, in milliseconds. Everything stays on
loopback, bounded by --deadline; the server and the database are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from shop_bench import (  # noqa: E402
    JWT_SECRET,
    LOOPBACK,
    free_port,
    percentile,
    postgres_admin,
    require_loopback,
    start_server,
    wait_ready,
)

from core.auth.tokens import issue_access_token  # noqa: E402
from core.db import apply_migrations, close_db, init_db  # noqa: E402
from core.models import MoveKind, Product, Role, User  # noqa: E402
from core.shops import add_member, create_shop  # noqa: E402
from core.stock import goods_item, record_move  # noqa: E402

ITEMS_PER_SALE = 10


async def load_data(url: str, *, products: int, tills: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    await init_db(url)
    try:
        shop = await create_shop(name="Bench Market", timezone="Asia/Tashkent", currency="UZS")
        barcodes = []
        for i in range(products):
            barcode = f"478{i:010d}"
            product = await Product.create(
                shop=shop,
                name=f"Товар {i}",
                sku=f"SKU-{i}",
                barcode=barcode,
                price=rng.randrange(1_000, 90_000, 500),
                cost_price=500,
                tax_rate=12,
            )
            item = await goods_item(product, for_update=False)
            await record_move(item=item, kind=MoveKind.SUPPLY, quantity=Decimal(1_000_000))
            barcodes.append(barcode)
        tokens = []
        for n in range(tills):
            user = await User.create(username=f"cashier{n}", name=f"Cashier {n}")
            await add_member(shop_id=shop.id, user_id=user.id, role=Role.CASHIER)
            tokens.append(
                issue_access_token(
                    secret=JWT_SECRET,
                    user_id=user.id,
                    shop_id=shop.id,
                    role=Role.CASHIER,
                    now=datetime.now(UTC),
                    ttl_seconds=24 * 3600,
                )
            )
        return {"barcodes": barcodes, "tokens": tokens}
    finally:
        await close_db()


async def ring_up(base: str, data: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    sale_ms: list[float] = []
    request_ms: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + args.duration

    async def till(token: str, rng: random.Random, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        headers = {"Authorization": f"Bearer {token}"}

        async def post(path: str, body: dict[str, Any], **extra: str) -> dict[str, Any] | None:
            nonlocal errors
            started = time.perf_counter()
            async with session.post(base + path, json=body, headers={**headers, **extra}) as r:
                answer = await r.json()
                ok = 200 <= r.status < 300
            request_ms.append((time.perf_counter() - started) * 1000)
            if not ok:
                errors += 1
                return None
            return answer  # type: ignore[no-any-return]

        opened = await post("/api/sales/sessions/open/", {"opening_balance": 1_000_000})
        if opened is None:
            return
        session_id = opened["data"]["id"]
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            sale = None
            for _ in range(ITEMS_PER_SALE):
                body = {
                    "session": session_id,
                    "barcode": rng.choice(data["barcodes"]),
                    "quantity": 1,
                }
                sale = await post("/api/sales/sales/scan-item/", body)
                if sale is None:
                    break
            if sale is None:
                continue
            total = int(Decimal(sale["data"]["total_amount"]))
            received = -(-total // 10_000) * 10_000
            paid = await post(
                f"/api/sales/sales/{sale['data']['id']}/checkout/",
                {
                    "payments": [
                        {"payment_method": "cash", "amount": total, "received_amount": received}
                    ]
                },
                **{"Idempotency-Key": uuid.uuid4().hex},
            )
            if paid is not None:
                sale_ms.append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=len(data["tokens"]))
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(
            *(till(t, random.Random(i), session) for i, t in enumerate(data["tokens"]))
        )
    elapsed = time.perf_counter() - began
    return {
        "scenario": f"{ITEMS_PER_SALE}-item sale: scan-item ×{ITEMS_PER_SALE} + checkout",
        "database": args.database,
        "tills": len(data["tokens"]),
        "duration_s": round(elapsed, 3),
        "sales": len(sale_ms),
        "requests": len(request_ms),
        "errors": errors,
        "sales_per_s": round(len(sale_ms) / elapsed, 2) if elapsed else 0.0,
        "sale_p50_ms": round(statistics.median(sale_ms), 1) if sale_ms else 0.0,
        "sale_p99_ms": round(percentile(sale_ms, 0.99), 1),
        "sale_max_ms": round(max(sale_ms), 1) if sale_ms else 0.0,
        "request_p50_ms": round(statistics.median(request_ms), 2) if request_ms else 0.0,
        "request_p99_ms": round(percentile(request_ms, 0.99), 2),
    }


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sauda-checkout-bench-"))
    database_name = None
    if args.database == "sqlite":
        url = f"sqlite://{workdir / 'bench.sqlite3'}"
    else:
        require_loopback(args.postgres_url)
        database_name = f"sauda_checkout_bench_{os.getpid()}"
        await postgres_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{database_name}"')
        await postgres_admin(args.postgres_url, f'CREATE DATABASE "{database_name}"')
        url = args.postgres_url.rsplit("/", 1)[0] + "/" + database_name
    server = None
    try:
        await apply_migrations(url)
        data = await load_data(url, products=args.products, tills=args.tills, seed=args.seed)
        port = free_port()
        server = start_server(url, workdir, port)
        base = f"http://{LOOPBACK}:{port}"
        await wait_ready(base, server, within=60)
        print(json.dumps(await ring_up(base, data, args), ensure_ascii=False), flush=True)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if database_name is not None:
            with contextlib.suppress(Exception):
                await postgres_admin(
                    args.postgres_url, f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)'
                )
        shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", choices=["sqlite", "postgres"])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"),
        help="a loopback PostgreSQL server; a throw-away database is made on it",
    )
    parser.add_argument("--products", type=int, default=200, help="products to load")
    parser.add_argument("--tills", type=int, default=4, help="concurrent tills (cashiers)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of selling")
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    try:
        asyncio.run(asyncio.wait_for(main(arguments), timeout=arguments.deadline))
    except TimeoutError:
        raise SystemExit(f"the benchmark ran past its deadline of {arguments.deadline} s") from None
