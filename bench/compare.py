"""Sauda side by side with the comparison apps, in one command and one run (not a test).

    .venv/bin/python bench/compare.py --quick        # a smoke run, a few minutes
    .venv/bin/python bench/compare.py                # the whole comparison (~25 minutes)
    .venv/bin/python bench/compare.py --rounds 2 --duration 6 --variants as-migrated

The measuring stick is `../shared/bench/compare.py` (the seeds' FastAPI + SQLAlchemy peer
and a raw aiohttp + asyncpg app, both serving the same PostgreSQL database): this runs it
on this checkout's committed HEAD, with its options passed through, and prints its report
(also in var/bench-compare/report.md). It seeds 20,000 orders into a database of its own
(`perfbench` on 127.0.0.1:5432), measures with wrk on loopback only, every measurement
bounded in time, and removes that database at the end. Endpoints: the shop order list,
tracking and the create with items, on PostgreSQL and on the SQLite default, with each
server's CPU per request and resident memory. The erp till is measured by
bench/checkout_bench.py (the comparison apps have no till).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return done.stdout.strip()


def measuring_stick() -> Path:
    """../shared/bench/compare.py next to this checkout, or next to the main checkout
    when this is a git worktree."""
    common = _git("rev-parse", "--path-format=absolute", "--git-common-dir")
    roots = [ROOT] + ([Path(common).parent] if common else [])
    for root in roots:
        stick = root.parent / "shared" / "bench" / "compare.py"
        if stick.exists():
            return stick
    return ROOT.parent / "shared" / "bench" / "compare.py"


def main(argv: list[str]) -> int:
    stick = measuring_stick()
    if not stick.exists():
        print(f"the comparison apps are not at {stick}", file=sys.stderr)
        return 2
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    if dirty:
        print("note: uncommitted changes are not measured (the run uses HEAD)", file=sys.stderr)
    command = [sys.executable, str(stick), "--sauda-src", str(ROOT), *argv]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
