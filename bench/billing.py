"""Benchmark of a billing run: preview and confirm over about 1,000,000 unbilled time entries.

`servicedesk generate` fills a database once (default 530,000 tickets over the last three years, which
makes about a million time entries, all unbilled; 275 customers) and keeps it as a pristine copy under
--work (SQLite: a file; PostgreSQL: a database used as a template). Every timed run starts from a fresh
copy of it, migrated by the code under test (so any commit bills the same data), so a confirm never sees
work billed by an earlier run.

A run bills the whole generated period (the first entry's day to the last entry's day, local time) for all
customers, as an operator would from a terminal: `servicedesk billing run --from --to` (the preview: the run's
documents written as drafts, each customer's figures printed), then `servicedesk billing run --run N --confirm`
(that run confirmed: its drafts numbered; code from before `--run` confirms a new run). Each is a
subprocess of the real console script (start-up included); its wall time and its peak memory (the
child's RSS high-water mark, from wait4's rusage) are measured. Targets: preview + confirm under 120 s,
each process under 1 GiB.

With --contracts and --bundles (default 10,000 and 2,000) the generated database also holds that many customers
with a contract (customers added as needed; two lines each, monthly, quarterly or yearly, started within the last
year of the period) and prepaid bundles spread over the customers with work and over the period: the run bills
the contracts' fees and pays work from the bundles as well. `--contracts 0 --bundles 0` is the database of old.

After the confirm it checks the database: every entry of the period billed, once (as many invoice lines
with a time entry as billed entries, none twice), no entry of the period left unbilled, each invoice's
subtotal the sum of its lines and its total subtotal + VAT, invoice numbers gapless per year, and the
preview's per-customer figures equal to the confirmed invoices'.

    .venv/bin/python bench/billing.py --db both
    .venv/bin/python bench/billing.py --db both --at HEAD   # src/ of a commit (e.g. before a change)
    .venv/bin/python bench/billing.py --db sqlite --tickets 10000 --contracts 1000 --bundles 200  # a quick try
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DB_LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
TARGET_SECONDS = 120.0
TARGET_MB = 1024.0
USER = "bench-biller"

FACTS_CODE = """
import json
from django.db.models import Count, Max, Min
from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Customer
from servicedesk.tickets.models import Ticket, TimeEntry
zone = current_policy().time_zone
span = TimeEntry.objects.aggregate(first=Min("start"), last=Max("start"), n=Count("id"))
largest = TimeEntry.objects.values("ticket__customer_id").annotate(n=Count("id")).order_by("-n").first()
print(json.dumps({
    "tickets": Ticket.objects.count(),
    "customers": Customer.objects.count(),
    "entries": span["n"],
    "unbilled": TimeEntry.objects.unbilled().count(),
    "first": span["first"].astimezone(zone).date().isoformat(),
    "last": span["last"].astimezone(zone).date().isoformat(),
    "largest_customer_entries": largest["n"] if largest else 0,
}))
"""

USER_CODE = f"""
from django.contrib.auth import get_user_model
User = get_user_model()
User.objects.get_or_create(username="{USER}", defaults={{"is_staff": True}})
"""

CONTRACTS_CODE = """
import json
from datetime import timedelta
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from servicedesk.contracts.models import Contract, ContractLine, LineQuantity, PrepaidBundle
from servicedesk.customers.models import Customer
from servicedesk.policy.periods import add_months
from servicedesk.tickets.models import Ticket, TimeEntry
N, M = CONTRACTS, BUNDLES
now = timezone.now()
span = TimeEntry.objects.aggregate(first=Min("start"), last=Max("start"))
first, last = timezone.localdate(span["first"]), timezone.localdate(span["last"])
year_before = max(first, last - timedelta(days=365)).replace(day=1)
with transaction.atomic():
    missing = max(N - Customer.objects.count(), 0)
    Customer.objects.bulk_create(
        [Customer(name=f"Contractklant {i}", code=f"contractklant-{i}") for i in range(missing)], batch_size=2000
    )
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:N])
    contracts = Contract.objects.bulk_create([
        Contract(
            customer_id=pk, name="Beheer", billing_period=("month", "quarter", "year")[i % 3],
            start=add_months(year_before, i % 12), created_at=now, updated_at=now,
        )
        for i, pk in enumerate(customers)
    ], batch_size=2000)
    lines = ContractLine.objects.bulk_create([
        ContractLine(contract=contract, description=text, unit_price_cents=price, created_at=now)
        for contract in contracts
        for text, price in (("Werkplekken", 2500), ("Back-up", 6000))
    ], batch_size=2000)
    LineQuantity.objects.bulk_create([
        LineQuantity(line=line, quantity=1 + i % 25, effective_from=line.contract.start, changed_at=now)
        for i, line in enumerate(lines)
    ], batch_size=2000)
    working = sorted(set(Ticket.objects.filter(time_entries__isnull=False).values_list("customer_id", flat=True)))
    days = (last - first).days + 1
    bundles = []
    for i in range(M if working else 0):
        bought = first + timedelta(days=i * days // max(M, 1))
        hours = 10 + i % 30
        bundles.append(PrepaidBundle(
            customer_id=working[i % len(working)], hours=hours, price_cents=hours * 6000, base_rate_cents=6500,
            bought_on=bought, expires_on=add_months(bought, 12), created_at=now,
        ))
    PrepaidBundle.objects.bulk_create(bundles, batch_size=2000)
print(json.dumps({"contracts": len(contracts), "bundles": len(bundles)}))
"""

VERIFY_CODE = """
import json
from collections import defaultdict
from django.db.models import F, Sum
from servicedesk.billing.models import BillingRun, Invoice, InvoiceLine
from servicedesk.billing.specification import period_bounds
from servicedesk.contracts.models import BundleDebit, PrepaidBundle
from servicedesk.projects.models import ProjectTimeEntry
from servicedesk.tickets.models import TimeEntry
run = BillingRun.objects.get(pk=RUN_ID)
start, until = period_bounds(run.period_start, run.period_end)
period = TimeEntry.objects.filter(start__lt=until)
invoices = Invoice.objects.filter(run=run)
lines = InvoiceLine.objects.filter(invoice__run=run)
entry_lines = lines.filter(time_entry__isnull=False)
claimed = InvoiceLine.objects.filter(claims=True, contract_line__isnull=False)
project_lines = lines.filter(project_entry__isnull=False, corrects__isnull=True)
line_sums = dict(lines.values_list("invoice_id").annotate(s=Sum("amount_cents")))
subtotals = invoices.values_list("pk", "subtotal_cents")
bad_subtotals = sum(1 for pk, subtotal in subtotals if line_sums.get(pk, 0) != subtotal)
by_year = defaultdict(list)
for number in Invoice.objects.exclude(number=None).values_list("number", flat=True):
    year, serial = number.split("-")
    by_year[year].append(int(serial))
print(json.dumps({
    "status": run.status,
    "entries_in_period": period.count(),
    "unbilled_in_period": period.unbilled().count(),
    "billed_entries": TimeEntry.objects.billed().count(),
    "entry_lines": entry_lines.count(),
    "entries_with_a_line": entry_lines.values("time_entry_id").distinct().count(),
    "lines": lines.count(),
    "surcharge_lines": lines.filter(kind="phone_surcharge").count(),
    "corrections": lines.filter(corrects__isnull=False).count(),
    "invoices": invoices.count(),
    "numbered": invoices.exclude(number=None).count(),
    "bad_subtotals": bad_subtotals,
    "bad_totals": invoices.exclude(total_cents=F("subtotal_cents") + F("vat_cents")).count(),
    "gapless": all(sorted(s) == list(range(1, len(s) + 1)) for s in by_year.values()),
    "total_cents": invoices.aggregate(t=Sum("total_cents"))["t"] or 0,
    "fee_lines": lines.filter(kind="recurring_fee").count(),
    "fee_periods_twice": claimed.count() - claimed.values("contract_line_id", "period_start").distinct().count(),
    "bundle_lines": lines.filter(kind="bundle_purchase").count(),
    "debited_cents": BundleDebit.objects.filter(billing_run_id=run.pk).aggregate(s=Sum("amount_cents"))["s"] or 0,
    "prepaid_cents": invoices.aggregate(s=Sum("prepaid_cents"))["s"] or 0,
    "lines_prepaid_cents": lines.aggregate(s=Sum("prepaid_cents"))["s"] or 0,
    "bundles_below_zero": sum(
        1 for b in PrepaidBundle.objects.annotate(used=Sum("debits__amount_cents")) if (b.used or 0) > b.value_cents
    ),
    "project_entries_in_period": ProjectTimeEntry.objects.filter(start__lt=until).count(),
    "project_lines": project_lines.count(),
    "project_entries_with_a_line": project_lines.values("project_entry_id").distinct().count(),
    "project_entries_billed": InvoiceLine.objects.filter(claims=True, project_entry__isnull=False).count(),
}))
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def code_under_test(args) -> tuple[Path | None, str]:
    """The source to run: the working tree, or `--at REV` exported read-only (others may be editing src/)."""
    if not args.at:
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", "src"))
        return None, f"working tree at {git('rev-parse', '--short=10', 'HEAD')}{' with uncommitted changes' * dirty}"
    rev = git("rev-parse", "--verify", f"{args.at}^{{commit}}")
    target = Path(args.work) / f"billing-src-{rev[:10]}"
    if not (target / "src" / "servicedesk").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src", f"commit {rev[:10]} (git archive of src/)"


def _stem(args) -> str:
    """The generated database's name: its tickets, and its contracts and bundles when it has any."""
    extra = f"_c{args.contracts}_b{args.bundles}" if args.contracts or args.bundles else ""
    return f"{args.tickets}{extra}"


def pristine_name(db: str, args) -> str:
    return f"billing-{_stem(args)}.sqlite3" if db == "sqlite" else f"sd_billing_{_stem(args)}"


def run_name(db: str, args) -> str:
    """The copy a run bills, this process's own: two benchmarks at once (e.g. two commits) bill apart."""
    pid = os.getpid()
    return f"billing-{_stem(args)}-run-{pid}.sqlite3" if db == "sqlite" else f"sd_billing_{_stem(args)}_run_{pid}"


def environment(db: str, name: str, args) -> dict:
    work = Path(args.work)
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-billing-secret-key-" + "b" * 40,
        "SERVICEDESK_VAR_DIR": str(work / "billing-var"),
        "LOG_LEVEL": "ERROR",
    }
    env["DATABASE_URL"] = f"sqlite:///{work / name}" if db == "sqlite" else f"postgres://postgres@127.0.0.1:5432/{name}"
    if args.src is not None:  # ahead of the venv's editable install (a path in a .pth file, after PYTHONPATH)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(args.src), os.environ.get("PYTHONPATH")]))
    return env


def servicedesk(env: dict, *args: str, capture: bool = True) -> str:
    result = subprocess.run(
        [str(BIN / "servicedesk"), *args], env=env, text=True, stdout=subprocess.PIPE if capture else None
    )
    if result.returncode != 0:
        raise SystemExit(f"servicedesk {' '.join(args[:2])} failed (exit {result.returncode})")
    return result.stdout if capture else ""


def shell(env: dict, code: str) -> Any:
    """Run `code` in `servicedesk shell`; its last line of output, read as JSON."""
    return json.loads(servicedesk(env, "shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAqc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


class Steps:
    """A spinner with the elapsed time per step on a terminal; a line per finished step always."""

    def __init__(self):
        self.progress = None
        if sys.stdout.isatty():
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())

    def __enter__(self):
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(text, highlight=False)
        else:
            print(text, flush=True)

    @contextmanager
    def step(self, text: str):
        task = self.progress.add_task(text, total=None) if self.progress is not None else None
        started = time.perf_counter()
        try:
            yield
        finally:
            if task is not None:
                self.progress.remove_task(task)
        self.say(f"{text}: {time.perf_counter() - started:.1f} s")


def prepare_pristine(db: str, args, steps: Steps) -> dict:
    """The generated database every run copies (made once, then reused), and what it holds."""
    name = pristine_name(db, args)
    env = environment(db, name, args)
    label = DB_LABEL[db]
    if db == "sqlite":
        new = not (Path(args.work) / name).exists()
    else:
        new = not psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if new:
            psql(f"CREATE DATABASE {name}")
    # Migrated when made only: each run migrates its copy, so that the code of any commit can bill the same data.
    if new:
        with steps.step(f"[{label}] migrate {name}"):
            servicedesk(env, "migrate", "--no-input", "-v0")
    facts = shell(env, FACTS_CODE) if _has_tickets(env) else {"tickets": 0}
    if facts["tickets"] == 0:
        steps.say(f"[{label}] generating {args.tickets:,} tickets into {name} (kept for later runs) ...")
        if steps.progress is not None:
            steps.progress.stop()
        try:
            servicedesk(env, "generate", "--tickets", str(args.tickets), "--seed", str(args.seed), capture=False)
        finally:
            if steps.progress is not None:
                steps.progress.start()
        facts = shell(env, FACTS_CODE)
        if args.contracts or args.bundles:
            with steps.step(f"[{label}] {args.contracts:,} customers with contracts, {args.bundles:,} bundles"):
                code = CONTRACTS_CODE.replace("CONTRACTS", str(args.contracts)).replace("BUNDLES", str(args.bundles))
                facts |= shell(env, code)
        if db == "postgres":
            # Settled as autovacuum leaves a database in use: visibility known, planner statistics taken. Not so,
            # each copy's first reads would set the hint bits of millions of rows generated in bulk.
            with steps.step(f"[{label}] VACUUM (FREEZE, ANALYZE) {name}"):
                psql("VACUUM (FREEZE, ANALYZE)", database=name)
    elif facts["tickets"] != args.tickets or facts["unbilled"] != facts["entries"]:
        raise SystemExit(f"{name} is not a pristine generated database ({facts}); remove it to generate it again")
    shell(env, USER_CODE + "print('{}')")
    if db == "sqlite":  # one file to copy: no WAL left over
        with sqlite3.connect(Path(args.work) / name) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return facts


def _has_tickets(env: dict) -> bool:
    code = "import json; from servicedesk.tickets.models import Ticket; print(json.dumps(Ticket.objects.exists()))"
    return shell(env, code)


def fresh_copy(db: str, args) -> dict:
    """A copy of the pristine database to bill (the previous run's copy is replaced)."""
    work = Path(args.work)
    source, target = pristine_name(db, args), run_name(db, args)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (work / f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(work / source, work / target)
    else:
        psql(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)")
        psql(f"CREATE DATABASE {target} TEMPLATE {source} STRATEGY FILE_COPY")
    return environment(db, target, args)


def drop_copy(db: str, args) -> None:
    target = run_name(db, args)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (Path(args.work) / f"{target}{suffix}").unlink(missing_ok=True)
    else:
        psql(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)")


class CommandFailed(Exception):
    pass


def timed(env: dict, argv: list[str], timeout: float) -> tuple[float, float, float, str]:
    """Run the console script; its wall time and CPU time (user + system) in s, its peak RSS in MB (wait4's
    ru_maxrss), its output. Killed after `timeout` seconds."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([str(BIN / "servicedesk"), *argv], env=env, stdout=out, stderr=err, text=True)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if process.returncode != 0:
        last = errors.strip().splitlines()[-1:] or ["no message"]
        if seconds >= timeout:
            last = [f"killed: not done within --timeout {timeout:.0f} s"]
        raise CommandFailed(
            f"`servicedesk {' '.join(argv)}` failed after {seconds:.1f} s (exit {process.returncode}, "
            f"peak {usage.ru_maxrss / 1024:.0f} MB): {last[0]}"
        )
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output


def rows_of(output: str) -> tuple[int, list[tuple[str, str, str, str]]]:
    """The command's run id and its per-customer rows (name, subtotal, VAT, total)."""
    lines = output.strip().splitlines()
    run_id = int(lines[-1].split()[1].rstrip(":"))
    rows = []
    for line in lines[:-1]:
        head, subtotal, vat, total = line.rsplit(None, 3)
        rows.append((head[13:].strip(), subtotal, vat, total))
    return run_id, rows


def bench_once(db: str, args, period: tuple[str, str], steps: Steps) -> dict:
    label = DB_LABEL[db]
    with steps.step(f"[{label}] fresh copy of the generated database, migrated"):
        env = fresh_copy(db, args)
        servicedesk(env, "migrate", "--no-input", "-v0")
    command = ["billing", "run", "--from", period[0], "--to", period[1], "--user", USER]
    preview_s = confirm_s = 0.0
    try:
        with steps.step(f"[{label}] preview: servicedesk {' '.join(command)}"):
            load_before = loadavg()
            preview_s, preview_cpu, preview_mb, preview_out = timed(env, command, args.timeout)
        preview_run, preview_rows = rows_of(preview_out)
        # The run previewed, confirmed (its drafts numbered when nothing changed); code from before `--run`
        # confirms a run of its own.
        confirm = [*command, "--confirm"]
        if "--run" in servicedesk(env, "billing", "run", "--help"):
            confirm = ["billing", "run", "--run", str(preview_run), "--user", USER, "--confirm"]
        with steps.step(f"[{label}] confirm: servicedesk {' '.join(confirm)}"):
            confirm_s, confirm_cpu, confirm_mb, confirm_out = timed(env, confirm, args.timeout)
            load_after = loadavg()
        confirm_run, confirm_rows = rows_of(confirm_out)
        with steps.step(f"[{label}] verify the confirmed run"):
            checks = shell(env, VERIFY_CODE.replace("RUN_ID", str(confirm_run)))
    except CommandFailed as failure:
        steps.say(f"[{label}] {failure}")
        return {"error": str(failure), "preview_s": round(preview_s, 2)}
    finally:
        if not args.keep:
            drop_copy(db, args)
    checks["preview_equals_confirm"] = preview_rows == confirm_rows
    checks["customers_previewed"] = len(preview_rows)
    checks["looked_at"] = confirm_out.strip().splitlines()[-1]
    problems = []
    if checks["status"] != "confirmed":
        problems.append("the run is not confirmed")
    if checks["unbilled_in_period"]:
        problems.append(f"{checks['unbilled_in_period']:,} entries of the period left unbilled")
    if not checks["entries_in_period"] == checks["billed_entries"] == checks["entry_lines"]:
        problems.append("billed entries, entries of the period and entry lines differ")
    if checks["entries_with_a_line"] != checks["entry_lines"]:
        problems.append("an entry is billed more than once")
    if not checks["project_lines"] or checks["project_entries_with_a_line"] != checks["project_lines"]:
        problems.append("no project entry billed, or one billed more than once")
    if checks["project_entries_billed"] != checks["project_lines"]:
        problems.append("a project line does not claim its entry")
    if checks["project_entries_billed"] >= checks["project_entries_in_period"]:
        problems.append("no project work awaits approval (the projects past their budget)")
    if checks["bad_subtotals"] or checks["bad_totals"]:
        problems.append(f"{checks['bad_subtotals']} subtotals, {checks['bad_totals']} totals do not add up")
    if not checks["gapless"]:
        problems.append("invoice numbers have a gap")
    if checks["fee_periods_twice"]:
        problems.append(f"{checks['fee_periods_twice']} contract periods billed twice")
    if not checks["debited_cents"] == checks["prepaid_cents"] == checks["lines_prepaid_cents"]:
        problems.append("the bundles' debits differ from what the invoices say they paid")
    if checks["bundles_below_zero"]:
        problems.append(f"{checks['bundles_below_zero']} bundles debited below zero")
    if not checks["preview_equals_confirm"]:
        problems.append("the preview's figures differ from the confirmed invoices'")
    checks["problems"] = problems
    return {
        "preview_s": round(preview_s, 2),
        "confirm_s": round(confirm_s, 2),
        "total_s": round(preview_s + confirm_s, 2),
        "preview_cpu_s": round(preview_cpu, 2),
        "confirm_cpu_s": round(confirm_cpu, 2),
        "load": f"{load_before} / {load_after}",
        "preview_peak_mb": round(preview_mb, 1),
        "confirm_peak_mb": round(confirm_mb, 1),
        "peak_mb": round(max(preview_mb, confirm_mb), 1),
        "checks": checks,
    }


def bench(db: str, args, steps: Steps) -> dict:
    label = DB_LABEL[db]
    facts = prepare_pristine(db, args, steps)
    period = (facts["first"], facts["last"])
    steps.say(
        f"[{label}] {facts['tickets']:,} tickets, {facts['entries']:,} time entries ({facts['unbilled']:,} unbilled), "
        f"{facts['customers']} customers (largest: {facts['largest_customer_entries']:,} entries); "
        f"period {period[0]} .. {period[1]}"
    )
    runs = []
    for n in range(args.repeat):
        result = bench_once(db, args, period, steps)
        runs.append(result)
        if "error" in result:
            break
        steps.say(
            f"[{label}] run {n + 1}: preview {result['preview_s']:.1f} s (CPU {result['preview_cpu_s']:.1f} s), "
            f"confirm {result['confirm_s']:.1f} s (CPU {result['confirm_cpu_s']:.1f} s), "
            f"total {result['total_s']:.1f} s, peak {result['peak_mb']:.0f} MB; load {result['load']}; "
            f"checks: {'; '.join(result['checks']['problems']) or 'all pass'}"
        )
    finished = [run for run in runs if "error" not in run]
    best = min(finished, key=lambda r: r["total_s"]) if finished else None
    return {"facts": facts, "period": period, "runs": runs, "best": best}


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def report(results: dict, args) -> bool:
    print(
        f"\nbilling benchmark: `servicedesk billing run` over the generated period, preview then --confirm, "
        f"best of {args.repeat} by total"
    )
    print(
        f"{'db':<12}{'entries':>11}{'preview s':>11}{'confirm s':>11}{'total s':>9}{'CPU s':>7}{'peak MB':>9}"
        f"  {'target':<18}{'checks':<8}result"
    )
    passed = True
    for db, result in results.items():
        best, facts = result["best"], result["facts"]
        if best is None:
            passed = False
            print(f"{DB_LABEL[db]:<12}{facts['entries']:>11,}  FAIL: {result['runs'][-1]['error']}")
            continue
        checks_ok = not any(run.get("checks", {}).get("problems") for run in result["runs"])
        ok = best["total_s"] < TARGET_SECONDS and best["peak_mb"] < TARGET_MB and checks_ok
        passed &= ok and len(result["runs"]) == args.repeat
        print(
            f"{DB_LABEL[db]:<12}{facts['entries']:>11,}{best['preview_s']:>11.1f}{best['confirm_s']:>11.1f}"
            f"{best['total_s']:>9.1f}{best['preview_cpu_s'] + best['confirm_cpu_s']:>7.1f}{best['peak_mb']:>9.0f}"
            f"  {'< 120 s, < 1024 MB':<18}"
            f"{'pass' if checks_ok else 'FAIL':<8}{'PASS' if ok else 'FAIL'}"
        )
    for db, result in results.items():
        if result["best"] is None:
            continue
        best = result["best"]
        c = best["checks"]
        print(
            f"{DB_LABEL[db]}: {c['invoices']} documents ({c['numbered']} numbered, gapless: {c['gapless']}), "
            f"{c['lines']:,} lines ({c['entry_lines']:,} for entries, {c['surcharge_lines']:,} phone surcharges, "
            f"{c['corrections']} corrections), {c['billed_entries']:,} of {c['entries_in_period']:,} entries billed "
            f"({c['entries_with_a_line']:,} with a line); {c['project_entries_billed']:,} of "
            f"{c['project_entries_in_period']:,} project entries billed, the rest awaiting approval; "
            f"total {c['total_cents'] / 100:,.2f}; "
            f"{c['fee_lines']:,} contract fee lines, {c['bundle_lines']:,} bundles bought, "
            f"{c['debited_cents'] / 100:,.2f} paid from bundles; {c['looked_at']}; "
            f"peak MB preview {best['preview_peak_mb']:.0f}, confirm {best['confirm_peak_mb']:.0f}; "
            f"CPU s preview {best['preview_cpu_s']:.1f}, confirm {best['confirm_cpu_s']:.1f}; "
            f"load (1, 5, 15 min) before / after {best['load']}"
        )
        for problem in sorted({p for run in result["runs"] for p in run.get("checks", {}).get("problems", [])}):
            print(f"  problem: {problem}")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--tickets", type=int, default=530_000, help="generated tickets (about 1.9 entries each)")
    parser.add_argument("--seed", type=int, default=1, help="`servicedesk generate --seed`")
    parser.add_argument("--contracts", type=int, default=10_000, help="customers with a contract (0: none)")
    parser.add_argument("--bundles", type=int, default=2_000, help="prepaid bundles (0: none)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per database, each on a fresh copy")
    parser.add_argument("--work", default="/tmp/servicedesk-bench", help="generated databases are kept here")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a preview or confirm may take")
    parser.add_argument("--keep", action="store_true", help="keep the last run's billed copy")
    parser.add_argument("--at", metavar="REV", help="run src/ of this commit (git archive), not the working tree")
    args = parser.parse_args(argv)
    if not shutil.which("psql") and args.db != "sqlite":
        raise SystemExit("psql not found: PostgreSQL is needed for --db postgres")
    Path(args.work).mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    args.src, code = code_under_test(args)
    print(f"{date.today()}: {code}; {os.cpu_count()} cores, load {loadavg()} before the run", flush=True)
    results = {}
    with Steps() as steps:
        for db in dbs:
            results[db] = bench(db, args, steps)
    passed = report(results, args)
    print(f"code under test: {code}; load {loadavg()} after the run")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    summary = {"date": str(date.today()), "code": code, "args": vars(args), "results": results}
    (out / f"billing-{_stem(args)}.json").write_text(json.dumps(summary, indent=1, default=str))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
