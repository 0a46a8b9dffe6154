"""Benchmark of the shop contract on loopback (not part of the test suite).

    .venv/bin/python bench/shop_bench.py sqlite
    .venv/bin/python bench/shop_bench.py postgres --postgres-url postgres://postgres@127.0.0.1:5432/test

It makes a fresh database (a file under a temporary directory, or a throw-away database
on the PostgreSQL server named by --postgres-url), loads a shop with a realistic data
set (thousands of orders with items, customers and status history), starts `sauda
serve` (API only) on 127.0.0.1 in a separate process, and measures, for a fixed time
each with a fixed number of concurrent clients:

    GET  /api/orders/?limit=50
    POST /api/orders/with-items
    GET  /api/tracking/{token}

printing one JSON line per scenario: requests, errors, requests per second, p50/p99/max
latency in milliseconds; then one line with the server's resident memory (after start
and after the run, and its peak; the issue's target for `serve --no-bot` is < 120 MiB). Everything stays on loopback and the whole run is bounded by
--deadline; the server and the database are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.auth.tokens import issue_access_token  # noqa: E402
from core.db import apply_migrations, close_db, init_db  # noqa: E402
from core.models import (  # noqa: E402
    Customer,
    DeliveryMethod,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusEvent,
    Product,
    Role,
)
from core.shops import add_member, create_shop  # noqa: E402
from core.tokens import new_tracking_token  # noqa: E402

LOOPBACK = "127.0.0.1"
JWT_SECRET = "bench-" + secrets.token_hex(24)
FLOW = [
    OrderStatus.NEW,
    OrderStatus.PAID,
    OrderStatus.ASSEMBLED,
    OrderStatus.IN_DELIVERY,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
]
STREETS = ["пр. Достык", "ул. Абая", "ул. Сатпаева", "пр. Аль-Фараби", "ул. Жибек Жолы"]
NAMES = ["Айгуль", "Иван", "Мария", "Болат", "Dana", "Асель", "Ержан", "Ольга"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing a non-loopback database host: {host!r}")


async def postgres_admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


# --- data ----------------------------------------------------------------------------------


async def load_data(url: str, *, orders: int, seed: int) -> dict[str, Any]:
    """A shop with products, customers and `orders` orders; returns what the clients need."""
    rng = random.Random(seed)
    await init_db(url)
    try:
        shop = await create_shop(name="Bench Flowers")
        from core.models import User

        owner = await User.create(phone="+77000000001", name="Owner")
        await add_member(shop_id=shop.id, user_id=owner.id, role=Role.OWNER)
        products = [
            await Product.create(
                shop=shop,
                name=f"Букет №{i}",
                price=rng.randrange(8_000, 60_000, 500),
                discount_price=None if i % 4 else rng.randrange(5_000, 8_000, 500),
                is_popular=i % 3 == 0,
            )
            for i in range(1, 41)
        ]
        await Customer.bulk_create(
            [
                Customer(
                    shop=shop,
                    phone=f"+7701{1_000_000 + i:07d}",
                    name=f"{rng.choice(NAMES)} {i}",
                )
                for i in range(max(100, orders // 6))
            ],
            batch_size=500,
        )
        customers = await Customer.filter(shop_id=shop.id).values_list("id", flat=True)
        now = datetime.now(UTC)
        rows = []
        plans: list[tuple[list[tuple[Product, int]], int]] = []
        for number in range(1, orders + 1):
            picked = [(rng.choice(products), rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
            flower_sum = sum(p.current_price * q for p, q in picked)
            fee = rng.choice([0, 1500, 2000, 2500])
            steps = rng.randint(1, len(FLOW))
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 90))
            start = created + timedelta(hours=rng.randint(2, 48))
            rows.append(
                Order(
                    shop=shop,
                    number=number,
                    customer_id=rng.choice(customers),
                    recipient_name=rng.choice(NAMES),
                    recipient_phone=f"+7705{rng.randrange(10**7):07d}",
                    address=f"г. Алматы, {rng.choice(STREETS)} {rng.randint(1, 200)}, кв. {rng.randint(1, 90)}",
                    delivery_method=DeliveryMethod.DELIVERY,
                    delivery_from=start,
                    delivery_to=start + timedelta(hours=2),
                    status=FLOW[steps - 1],
                    status_changed_at=created,
                    flower_sum=flower_sum,
                    delivery_fee=fee,
                    total=flower_sum + fee,
                    tracking_token=new_tracking_token(),
                    created_at=created,
                )
            )
            plans.append((picked, steps))
        await Order.bulk_create(rows, batch_size=500)
        ids = dict(
            await Order.filter(shop_id=shop.id).values_list("number", "id")  # type: ignore[arg-type]
        )
        items, history = [], []
        for number, (picked, steps) in enumerate(plans, start=1):
            order_id = ids[number]
            for product, quantity in picked:
                items.append(
                    OrderItem(
                        order_id=order_id,
                        product=product,
                        product_name=product.name,
                        quantity=quantity,
                        price=product.current_price,
                        total=product.current_price * quantity,
                    )
                )
            previous = None
            for status in FLOW[:steps]:
                history.append(
                    OrderStatusEvent(
                        order_id=order_id,
                        from_status=previous,
                        to_status=status,
                        actor_label="bench",
                    )
                )
                previous = status
        await OrderItem.bulk_create(items, batch_size=1000)
        await OrderStatusEvent.bulk_create(history, batch_size=1000)
        tokens = await Order.filter(shop_id=shop.id).values_list("tracking_token", flat=True)
        token = issue_access_token(
            secret=JWT_SECRET,
            user_id=owner.id,
            shop_id=shop.id,
            role=Role.OWNER,
            now=datetime.now(UTC),
            ttl_seconds=24 * 3600,
        )
        return {
            "token": token,
            "product_ids": [p.id for p in products],
            "tracking_tokens": list(tokens),
            "items": len(items),
            "events": len(history),
        }
    finally:
        await close_db()


# --- the server ----------------------------------------------------------------------------


def start_server(url: str, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ENV": "development",
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "JWT_SECRET": JWT_SECRET,
        "HOST": LOOPBACK,
        "API_PORT": str(port),
        "CRM_PORT": str(free_port()),
        "CONSULT_PORT": str(free_port()),
        "DATA_DIR": str(workdir / "var"),
        "RATE_LIMIT_PER_HOUR": str(10**9),
        "OTP_DELIVERY": "debug",
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sauda",
            "serve",
            "--no-bot",
            "--no-scheduler",
            "--no-outbox",
            "--no-migrate",
        ],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "wb"),  # noqa: SIM115
    )


async def wait_ready(base: str, server: subprocess.Popen[bytes], *, within: float) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(base + "/health") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise SystemExit("the server did not become ready in time")


# --- load ----------------------------------------------------------------------------------


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def run_scenario(
    name: str,
    request: Any,
    *,
    concurrency: int,
    duration: float,
    max_requests: int,
) -> dict[str, Any]:
    result = Result()
    stop_at = time.perf_counter() + duration
    issued = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(rng: random.Random) -> None:
            nonlocal issued
            while time.perf_counter() < stop_at and issued < max_requests:
                issued += 1
                started = time.perf_counter()
                try:
                    status = await request(session, rng)
                except aiohttp.ClientError:
                    status = 0
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if not 200 <= status < 300:
                    result.errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(random.Random(i)) for i in range(concurrency)))
        elapsed = time.perf_counter() - began
    ms = [x * 1000 for x in result.latencies]
    return {
        "scenario": name,
        "concurrency": concurrency,
        "duration_s": round(elapsed, 3),
        "requests": len(ms),
        "errors": result.errors,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "rps": round(len(ms) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(ms), 2) if ms else 0.0,
        "p99_ms": round(percentile(ms, 0.99), 2),
        "max_ms": round(max(ms), 2) if ms else 0.0,
    }


async def measure(
    base: str, data: dict[str, Any], args: argparse.Namespace
) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {data['token']}"}

    async def list_orders(session: aiohttp.ClientSession, rng: random.Random) -> int:
        page = rng.randint(1, 5)
        async with session.get(
            f"{base}/api/orders/", params={"limit": "50", "page": str(page)}, headers=headers
        ) as response:
            await response.read()
            return response.status

    async def create_with_items(session: aiohttp.ClientSession, rng: random.Random) -> int:
        body = {
            "customer_phone": f"+7702{rng.randrange(10**7):07d}",
            "recipient_name": rng.choice(NAMES),
            "address": f"г. Алматы, {rng.choice(STREETS)} {rng.randint(1, 200)}",
            "delivery_method": "delivery",
            "delivery_fee": 2000,
            "items": [
                {"product_id": rng.choice(data["product_ids"]), "quantity": rng.randint(1, 3)}
                for _ in range(rng.randint(1, 3))
            ],
        }
        async with session.post(
            f"{base}/api/orders/with-items", json=body, headers=headers
        ) as response:
            await response.read()
            return response.status

    async def track(session: aiohttp.ClientSession, rng: random.Random) -> int:
        token = rng.choice(data["tracking_tokens"])
        async with session.get(f"{base}/api/tracking/{token}") as response:
            await response.read()
            return response.status

    results = []
    for name, request in (
        ("GET /api/orders/?limit=50", list_orders),
        ("POST /api/orders/with-items", create_with_items),
        ("GET /api/tracking/{token}", track),
    ):
        line = await run_scenario(
            name,
            request,
            concurrency=args.concurrency,
            duration=args.duration,
            max_requests=args.max_requests,
        )
        line.update({"database": args.database, "orders_loaded": args.orders})
        print(json.dumps(line, ensure_ascii=False), flush=True)
        results.append(line)
    return results


MEMORY_TARGET_MIB = 120


def resident_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MiB (Linux /proc)."""
    found: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


async def main(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sauda-bench-"))
    database_name = None
    if args.database == "sqlite":
        url = f"sqlite://{workdir / 'bench.sqlite3'}"
    else:
        require_loopback(args.postgres_url)
        database_name = f"sauda_bench_{os.getpid()}"
        await postgres_admin(args.postgres_url, f'DROP DATABASE IF EXISTS "{database_name}"')
        await postgres_admin(args.postgres_url, f'CREATE DATABASE "{database_name}"')
        url = args.postgres_url.rsplit("/", 1)[0] + "/" + database_name
    server = None
    try:
        await apply_migrations(url)
        began = time.perf_counter()
        data = await load_data(url, orders=args.orders, seed=args.seed)
        print(
            json.dumps(
                {
                    "setup": "loaded",
                    "database": args.database,
                    "orders": args.orders,
                    "order_items": data["items"],
                    "status_events": data["events"],
                    "seconds": round(time.perf_counter() - began, 2),
                }
            ),
            file=sys.stderr,
            flush=True,
        )
        port = free_port()
        server = start_server(url, workdir, port)
        base = f"http://{LOOPBACK}:{port}"
        await wait_ready(base, server, within=30)
        at_start = resident_mib(server.pid)
        await measure(base, data, args)
        after = resident_mib(server.pid)
        line = {
            "memory": "sauda serve --no-bot --no-scheduler --no-outbox",
            "rss_after_start_mib": at_start.get("VmRSS"),
            "rss_after_run_mib": after.get("VmRSS"),
            "rss_peak_mib": after.get("VmHWM"),
            "target_mib": MEMORY_TARGET_MIB,
            "under_target": (after.get("VmHWM") or 0) < MEMORY_TARGET_MIB,
        }
        print(json.dumps(line), flush=True)
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
    parser.add_argument("--orders", type=int, default=5000, help="orders to load (default 5000)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per scenario")
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    try:
        asyncio.run(asyncio.wait_for(main(arguments), timeout=arguments.deadline))
    except TimeoutError:
        raise SystemExit(f"the benchmark ran past its deadline of {arguments.deadline} s") from None
