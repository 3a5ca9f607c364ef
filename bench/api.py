"""Benchmark of the REST API under load: ticket list and ticket read latency, and the ticket create rate next to
the portal's.

The data are bench/web.py's: N tickets generated once by `servicedesk generate` and kept under --work; gunicorn
serves them as bench/portal.py does (the production config `servicedesk.gunicorn_conf`, 2 workers, DEBUG off,
127.0.0.1). A read-and-write API token of the bench agent is made through `token_create` (the rate limit raised
for the run: it would answer 429 long before the load is measured). Then 8 concurrent clients (stdlib
`http.client`, one keep-alive connection each, `Authorization: Bearer`) make 400 requests each of

- list: `GET /api/v1/tickets?queue=<q>&limit=50` over the queues (all, open, unassigned, due soon, breached,
  waiting, mine), every other one filtered by a status, each also as its second page (its `next_cursor`,
  fetched untimed beforehand);
- read: `GET /api/v1/tickets/<id>` of 200 random tickets (with messages, trail and priced time entries);

and p50/p95/p99 are printed next to the target (p99 <= 100 ms, every answer a 200). Then for --create-seconds
each client POSTs `/api/v1/tickets` (JSON, a contact who may report, channel phone) in a loop; the rate counts 201s
per second of wall time, and the run's tickets are counted in the database afterwards (must equal them).
The portal's rate comes from bench/portal.py (`--portal run`: run now, create only, the same seconds and
clients, on its own fresh database; `--portal recorded`: its last result in bench/results/portal-no-list.json).
Target: the API creates at least as many tickets per second as the portal.

    .venv/bin/python bench/api.py --tickets 1000000 --db both
    .venv/bin/python bench/api.py --tickets 10000 --db sqlite --requests 100 --create-seconds 10   # a quick check
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from portal import start_gunicorn, stop_gunicorn
from web import Client, free_port, latency_row, load, prepare, rss_mb, sample_ticket_ids, save_results, shell

ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = 100.0  # issue 29: ticket list and read, 1M tickets, 8 clients
QUEUES = ["all", "open", "unassigned", "due_soon", "breached", "waiting", "mine"]
STATUSES = ["new", "open", "waiting", "closed"]


def api_token(env: dict) -> str:
    """A fresh read-and-write token of the bench agent (see bench/web.py's `prepare`)."""
    return shell(
        env,
        "from django.contrib.auth import get_user_model as g; from servicedesk.api.services import token_create; "
        "u = g().objects.get(username='bench-agent'); "
        "print(token_create(agent=u, name='bench', scopes=['read', 'write'], actor=u)[1])",
    )


def reporters(env: dict, count: int = 200) -> list[int]:
    """Contacts who may report, for the creations."""
    code = (
        "from servicedesk.customers.models import Contact; "
        "print(' '.join(str(i) for i in Contact.objects.filter(may_report=True, active=True)"
        f".order_by('id').values_list('id', flat=True)[:{count}]))"
    )
    return [int(x) for x in shell(env, code).split()]


def list_paths(client: Client) -> list[str]:
    """The list requests: each queue, with and without a status filter, and the second page of each."""
    paths = []
    for n, queue in enumerate(QUEUES):
        first = f"/api/v1/tickets?queue={queue}&limit=50"
        if n % 2:
            first += f"&status={STATUSES[n % len(STATUSES)]}"
        paths.append(first)
        status, _, body = client.request("GET", first)
        if status != 200:
            raise SystemExit(f"GET {first}: HTTP {status} {body[:200]!r}")
        cursor = json.loads(body)["next_cursor"]
        if cursor:
            paths.append(f"{first}&cursor={quote(cursor)}")
    return paths


def create_load(port: int, headers: dict, contacts: list[int], clients: int, seconds: float) -> dict:
    """`clients` threads creating tickets for `seconds`; successes per second of wall time, and the errors."""
    counts = {"created": 0, "errors": 0}
    latencies: list[float] = []
    lock = threading.Lock()

    def run(offset: int) -> None:
        client = Client(port, headers=headers)
        created, errors, mine = 0, 0, []
        deadline = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < deadline:
            body = {
                "contact_id": contacts[(offset + i * clients) % len(contacts)],
                "subject": f"Bench {offset}-{i}: printer piept",
                "body": "Hij piept sinds vanochtend.",
                "channel": "phone",
            }
            started = time.perf_counter()
            try:
                status, _, _ = client.request("POST", "/api/v1/tickets", json.dumps(body))
            except OSError:
                status = 0
            mine.append((time.perf_counter() - started) * 1000)
            created, errors = created + (status == 201), errors + (status != 201)
            i += 1
        with lock:
            counts["created"] += created
            counts["errors"] += errors
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        **counts,
        "wall_s": round(wall, 2),
        "creations_per_s": round(counts["created"] / wall, 1),
        "p50_ms": round(latencies[len(latencies) // 2], 1) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1) if latencies else None,
    }


def ticket_count(env: dict) -> int:
    return int(shell(env, "from servicedesk.tickets.models import Ticket; print(Ticket.objects.count())"))


def bench(db: str, args) -> dict:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    env = prepare(db, args.tickets, work)
    env["SERVICEDESK_API_RATE_LIMIT"] = "100000000"
    headers = {"Authorization": f"Bearer {api_token(env)}"}
    ids = sample_ticket_ids(env)
    contacts = reporters(env)
    if not contacts:
        raise SystemExit("no contact who may report in the generated data")
    port = free_port()
    # Served as in production, as bench/portal.py serves (its config file: threaded workers, preload).
    server = start_gunicorn(env, port, args.workers, work / "api-gunicorn.log")
    try:
        pages = {"list": list_paths(Client(port, headers=headers)), "read": [f"/api/v1/tickets/{i}" for i in ids]}
        results = {}
        for page, paths in pages.items():
            load(port, {}, paths, 2, 20, 60, headers)  # warm-up
            results[page] = load(port, {}, paths, args.clients, args.requests, args.max_seconds, headers)
        before = ticket_count(env)
        results["create"] = create_load(port, headers, contacts, args.clients, args.create_seconds)
        results["create"]["in_db"] = ticket_count(env) - before
        results["rss_mb"] = round(rss_mb(server), 1)
    finally:
        stop_gunicorn(server)
    return results


def portal_rate(db: str, args) -> float | None:
    """The portal's creations per second (create only), run now or as last recorded."""
    recorded = ROOT / "bench" / "results" / "portal-no-list.json"
    if args.portal == "run":
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "portal.py"),
                "--db",
                db,
                "--seconds",
                str(max(args.create_seconds, 5)),
                "--slices",
                "1",
                "--concurrency",
                str(args.clients),
                "--tickets",
                str(min(args.tickets, 10_000)),
                "--peer",
                "none",
                "--no-list",
                "--work",
                args.work,
            ],
            check=False,
        )
    if args.portal == "none" or not recorded.exists():
        return None
    result = json.loads(recorded.read_text())["results"].get(db)
    return result["creations_per_s"] if result else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="requests per client, list and read each")
    parser.add_argument("--create-seconds", type=float, default=30, help="length of the creation loop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--portal", choices=["run", "recorded", "none"], default="run", help="the portal's rate")
    parser.add_argument("--work", default="/tmp/servicedesk-bench")
    args = parser.parse_args(argv)
    if not shutil.which("psql") and args.db != "sqlite":
        raise SystemExit("psql not found: PostgreSQL is needed for --db postgres")
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    all_results = {}
    for db in dbs:
        all_results[db] = bench(db, args)
        all_results[db]["portal_creations_per_s"] = portal_rate(db, args)
    print(
        f"\napi benchmark: {args.tickets:,} tickets, gunicorn {args.workers} workers (production config), DEBUG off, "
        f"{args.clients} clients x {args.requests} requests per kind; creations for {args.create_seconds:.0f} s"
    )
    print(
        f"{'db':<9}{'kind':<8}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'target':>8}  result"
    )
    failed = False
    for db, results in all_results.items():
        for kind in ("list", "read"):
            ok, row = latency_row(db, kind, results[kind], TARGET_P99_MS)
            failed |= not ok
            print(row + str(results[kind]["statuses"]))
        c, portal = results["create"], results["portal_creations_per_s"]
        ok = c["errors"] == 0 and c["in_db"] == c["created"] and (portal is None or c["creations_per_s"] >= portal)
        failed |= not ok
        print(
            f"{db:<9}create {c['created']:>9} in {c['wall_s']} s = {c['creations_per_s']}/s "
            f"(p50 {c['p50_ms']} ms, p99 {c['p99_ms']} ms), {c['errors']} errors, {c['in_db']} in the database; "
            f"portal {portal if portal is not None else '-'}/s  {'PASS' if ok else 'FAIL'}"
        )
        print(f"{db:<9}gunicorn workers' memory after the run: {results['rss_mb']} MB")
    save_results("api", args, all_results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
