"""Benchmark of the reports and the dashboard at scale: p95 per report for a month and a year, 4 clients at once.

bench/web.py's database, generated once by `servicedesk generate --tickets N` (kept under --work and reused by both
benchmarks; generate counts the reports' summary afterwards, as `servicedesk reports_rebuild` does), served by
gunicorn (2 sync workers, DEBUG off) on 127.0.0.1; 4 concurrent clients signed in as an agent request each page for
the last whole month and the last whole year. It prints p50/p95 per page and period next to the targets (issue 28:
p95 at most 500 ms for a month, 2 s for a year, at 1M tickets and 3M time entries).

    .venv/bin/python bench/reports.py --tickets 1000000 --db sqlite

The page loop, sign-in and gunicorn are bench/web.py's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import web  # bench/web.py, next to this file

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MS = {"month": 500.0, "year": 2000.0}


def pages(today: date) -> dict[str, dict[str, str]]:
    """Each report's URL for the last whole month and the last whole year (as an agent picks them)."""
    last_month = today.replace(day=1) - timedelta(days=1)
    month = f"period=month&month={last_month:%Y-%m}"
    year = f"period=year&year={today.year - 1}"
    return {
        "dashboard": {"month": "/desk/", "year": "/desk/"},  # the dashboard has no period: this month and last
        "sla": {
            "month": f"/desk/reports/sla/?{month}&group=customer",
            "year": f"/desk/reports/sla/?{year}&group=month",
        },
        "workload": {"month": f"/desk/reports/workload/?{month}", "year": f"/desk/reports/workload/?{year}"},
        "time": {"month": f"/desk/reports/time/?{month}&by=customer", "year": f"/desk/reports/time/?{year}&by=agent"},
        "time_band": {"month": f"/desk/reports/time/?{month}&by=band", "year": f"/desk/reports/time/?{year}&by=band"},
    }


def counts(env: dict) -> tuple[int, int]:
    code = (
        "from servicedesk.tickets.models import Ticket, TimeEntry; "
        "print(Ticket.objects.count(), TimeEntry.objects.count())"
    )
    tickets, entries = web.shell(env, code).split()
    return int(tickets), int(entries)


def bench(db: str, args) -> dict:
    work = Path(args.work)
    (work / "var").mkdir(parents=True, exist_ok=True)
    env = web.prepare(db, args.tickets, work)  # web.py's database: the reports only read
    tickets, entries = counts(env)
    port = web.free_port()
    server = web.start_gunicorn(env, port, args.workers)
    results: dict = {"tickets": tickets, "entries": entries, "pages": {}}
    try:
        cookies = web.sign_in(port)
        for page, periods in pages(date.today()).items():
            for period, path in periods.items():
                if page == "dashboard" and period == "year":
                    continue
                web.load(port, cookies, [path], 2, 2, 120)  # warm-up: each worker once
                figures = web.load(port, cookies, [path], args.clients, args.requests, args.max_seconds)
                results["pages"][f"{page} {period}"] = figures
                print(f"[{db}] {page:<10}{period:<6} p95 {figures['p95_ms']:>8} ms", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=10, help="requests per client per page and period")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=120)
    parser.add_argument("--work", default="/tmp/servicedesk-bench", help="web.py's generated databases")
    args = parser.parse_args(argv)
    if not shutil.which("psql") and args.db != "sqlite":
        raise SystemExit("psql not found: PostgreSQL is needed for --db postgres")
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    started = time.perf_counter()
    all_results = {db: bench(db, args) for db in dbs}
    print(f"\nreports benchmark: gunicorn {args.workers} sync workers, DEBUG off, {args.clients} clients")
    print(f"{'db':<9}{'page':<17}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'target':>8}  result")
    failed = False
    for db, results in all_results.items():
        print(f"{db:<9}{results['tickets']:,} tickets, {results['entries']:,} time entries")
        for name, r in results["pages"].items():
            target = TARGETS_MS[name.split()[-1]]
            ok = r["p95_ms"] <= target and set(r["statuses"]) == {200}
            failed |= not ok
            print(
                f"{db:<9}{name:<17}{r['requests']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{target:>8.0f}  "
                f"{'PASS' if ok else 'FAIL'}"
            )
    print(f"({time.perf_counter() - started:.0f} s in all)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"reports-{args.tickets}.json").write_text(
        json.dumps({"args": vars(args), "results": all_results}, indent=1)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
