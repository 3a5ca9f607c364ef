"""Benchmark of the policy engine: pricing and response deadlines, in-process and through the what-if CLI.

It measures, on one pinned CPU core:

1. priced work entries per second through `Policy.price` (tickets of 1-3 work entries);
2. response deadlines per second through `Policy.response_deadline`;
3. lines per second end to end through `servicedesk policy deadline --batch` and
   `servicedesk policy price --batch` (a subprocess of the real console script, start-up included).

Inputs are random but seeded: mixed support types, priorities and channels, times spread uniformly
over five years of Europe/Amsterdam local time (any minute of day, night or weekend, never in the
spring-forward gap). All inputs are generated before the clock starts.

Run: `.venv/bin/python bench/policy.py` (or `make bench`); `--help` lists the options.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from servicedesk.policy import (
    Channel,
    EntryKind,
    Policy,
    Priority,
    SupportType,
    TicketWork,
    TimeEntry,
    load_policy,
)

FIRST_LOCAL = datetime(2025, 1, 1)  # inclusive
END_LOCAL = datetime(2030, 1, 1)  # exclusive: five whole years
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
CRITICAL_SHARE = 0.05
MAX_ENTRY_MINUTES = 240

API_TARGET = 100_000  # items per second through the Python API
BATCH_TARGET = 30_000  # lines per second through `--batch`


@dataclass(frozen=True)
class Result:
    name: str
    figure: float
    unit: str
    target: float
    detail: str

    @property
    def passed(self) -> bool:
        return self.figure >= self.target


# -- the machine --------------------------------------------------------------


def pin_to_one_core() -> int:
    """Pin this process (and so its children) to the first CPU it may use; return that CPU."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def machine_facts(cpu: int) -> str:
    return (
        f"python {platform.python_version()} | {cpu_model()} | {os.cpu_count()} cores, pinned to cpu {cpu} "
        f"| {date.today().isoformat()}"
    )


# -- inputs -------------------------------------------------------------------


def local_times(rng: random.Random, count: int, time_zone) -> list[datetime]:
    """`count` naive local times, uniform over the five years by the minute, none in a DST gap."""
    span_minutes = (END_LOCAL - FIRST_LOCAL) // timedelta(minutes=1)
    times = []
    while len(times) < count:
        naive = FIRST_LOCAL + timedelta(minutes=rng.randrange(span_minutes))
        if exists_locally(naive, time_zone):
            times.append(naive)
    return times


def exists_locally(naive: datetime, time_zone) -> bool:
    """False for a wall-clock time the clocks skip (spring forward)."""
    aware = naive.replace(tzinfo=time_zone)
    return aware.astimezone(UTC).astimezone(time_zone).replace(tzinfo=None) == naive


def deadline_requests(rng: random.Random, count: int, time_zone) -> list[dict]:
    """Deadline questions as the plain values of the `--batch` contract (naive local times)."""
    return [
        {
            "support_type": rng.choice(list(SupportType)).value,
            "priority": rng.choice(list(Priority)).value,
            "reported": reported.strftime(LOCAL_FORMAT),
            "channel": rng.choice(list(Channel)).value,
        }
        for reported in local_times(rng, count, time_zone)
    ]


def price_requests(rng: random.Random, count: int, time_zone) -> list[dict]:
    """Tickets of 1-3 work entries of 1-240 minutes each, as plain `--batch` values."""
    sizes = [rng.randint(1, 3) for _ in range(count)]
    starts = iter(local_times(rng, sum(sizes), time_zone))
    return [
        {
            "support_type": rng.choice(list(SupportType)).value,
            "priority": rng.choice(list(Priority)).value,
            "channel": rng.choice(list(Channel)).value,
            "critical": rng.random() < CRITICAL_SHARE,
            "entries": [
                {
                    "kind": EntryKind.WORK.value,
                    "start": next(starts).strftime(LOCAL_FORMAT),
                    "minutes": rng.randint(1, MAX_ENTRY_MINUTES),
                }
                for _ in range(size)
            ],
        }
        for size in sizes
    ]


def aware(text: str, time_zone) -> datetime:
    return datetime.strptime(text, LOCAL_FORMAT).replace(tzinfo=time_zone)


def deadline_arguments(requests: list[dict], time_zone) -> list[dict]:
    """Keyword arguments of `Policy.response_deadline`, one dict per request."""
    return [
        {
            "support_type": SupportType(r["support_type"]),
            "priority": Priority(r["priority"]),
            "reported": aware(r["reported"], time_zone),
            "channel": Channel(r["channel"]),
        }
        for r in requests
    ]


def ticket_works(requests: list[dict], time_zone) -> list[TicketWork]:
    return [
        TicketWork(
            SupportType(r["support_type"]),
            Priority(r["priority"]),
            Channel(r["channel"]),
            r["critical"],
            [TimeEntry(EntryKind(e["kind"]), aware(e["start"], time_zone), e["minutes"]) for e in r["entries"]],
        )
        for r in requests
    ]


# -- timing -------------------------------------------------------------------


def best_of(repeat: int, run: Callable[[], None]) -> tuple[float, float]:
    """(fastest, median) wall time in seconds of `repeat` runs."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds)


def warm_up(policy: Policy, works: list[TicketWork], deadlines: list[dict]) -> float:
    """Build the engine's timeline for the whole range once, outside the timed runs; return seconds."""
    started = time.perf_counter()
    for work in (min(works, key=first_start), max(works, key=first_start)):
        policy.price(work)
    for arguments in (min(deadlines, key=reported_at), max(deadlines, key=reported_at)):
        policy.response_deadline(**arguments)
    return time.perf_counter() - started


def first_start(work: TicketWork) -> datetime:
    return work.entries[0].start


def reported_at(arguments: dict) -> datetime:
    return arguments["reported"]


def bench_api_price(policy: Policy, works: list[TicketWork], repeat: int) -> Result:
    price = policy.price

    def run() -> None:
        for work in works:
            price(work)

    entries = sum(len(work.entries) for work in works)
    fastest, median = best_of(repeat, run)
    detail = f"{len(works):,} tickets, {entries:,} entries; best {fastest:.2f}s, median {median:.2f}s of {repeat}"
    return Result("API price", entries / fastest, "work entries/s", API_TARGET, detail)


def bench_api_deadline(policy: Policy, deadlines: list[dict], repeat: int) -> Result:
    response_deadline = policy.response_deadline

    def run() -> None:
        for arguments in deadlines:
            response_deadline(**arguments)

    fastest, median = best_of(repeat, run)
    detail = f"{len(deadlines):,} deadlines; best {fastest:.2f}s, median {median:.2f}s of {repeat}"
    return Result("API deadline", len(deadlines) / fastest, "deadlines/s", API_TARGET, detail)


def console_script() -> Path:
    """The `servicedesk` console script beside this interpreter (the venv's bin)."""
    script = Path(sys.executable).parent / "servicedesk"
    if not script.exists():
        raise SystemExit(f"no console script at {script}; install the project (make install)")
    return script


def run_batch(command: str, requests: list[dict], cpu: int, workdir: Path) -> tuple[float, int]:
    """Time one `servicedesk policy COMMAND --batch` run over `requests`; return (seconds, output lines)."""
    source = workdir / f"{command}.jsonl"
    answers = workdir / f"{command}.out.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in requests), encoding="utf-8")
    with source.open("rb") as stdin, answers.open("wb") as stdout:
        started = time.perf_counter()
        completed = subprocess.run(
            [str(console_script()), "policy", command, "--batch"],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
            check=False,
        )
        seconds = time.perf_counter() - started
    lines = check_answers(command, answers, len(requests), completed)
    return seconds, lines


def check_answers(command: str, answers: Path, expected: int, completed: subprocess.CompletedProcess) -> int:
    """Every input line answered, none with an error; else stop the benchmark (its figure would lie)."""
    errors = 0
    lines = 0
    with answers.open(encoding="utf-8") as handle:
        for line in handle:
            lines += 1
            errors += "error" in json.loads(line)
    if completed.returncode != 0 or errors or lines != expected:
        stderr = completed.stderr.decode(errors="replace").strip()[-500:]
        raise SystemExit(
            f"{command} --batch: exit {completed.returncode}, {lines:,} lines for {expected:,} inputs, "
            f"{errors:,} error lines {stderr}"
        )
    return lines


def bench_batch(command: str, requests: list[dict], cpu: int, repeat: int, workdir: Path) -> Result:
    runs = [run_batch(command, requests, cpu, workdir) for _ in range(repeat)]
    seconds = [s for s, _ in runs]
    fastest, median = min(seconds), statistics.median(seconds)
    detail = (
        f"{len(requests):,} lines, 0 errors, pinned to cpu {cpu}; best {fastest:.2f}s, median {median:.2f}s of {repeat}"
    )
    return Result(f"CLI {command} --batch", len(requests) / fastest, "lines/s", BATCH_TARGET, detail)


# -- output -------------------------------------------------------------------


def report(results: list[Result]) -> None:
    print()
    print(f"{'benchmark':<24} {'figure':>12} {'unit':<16} {'target':>10}  result")
    for r in results:
        verdict = "PASS" if r.passed else "FAIL"
        print(f"{r.name:<24} {r.figure:>12,.0f} {r.unit:<16} {r.target:>10,.0f}  {verdict}")
    print()
    for r in results:
        print(f"  {r.name}: {r.detail}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="tickets priced and deadlines asked in-process")
    parser.add_argument("--lines", type=int, default=200_000, help="lines fed to each `--batch` run")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each benchmark; the best counts")
    parser.add_argument("--seed", type=int, default=20261125, help="random seed of the generated inputs")
    parser.add_argument("--skip-batch", action="store_true", help="only the in-process (API) benchmarks")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cpu = pin_to_one_core()
    print(f"policy engine benchmark | {machine_facts(cpu)}")
    print(f"running on ONE core: this process and the --batch subprocesses are pinned to cpu {cpu}")
    print(f"seed {args.seed}, times uniform over {FIRST_LOCAL:%Y-%m-%d} .. {END_LOCAL - timedelta(minutes=1):%Y-%m-%d}")

    policy = load_policy()
    zone = policy.time_zone
    rng = random.Random(args.seed)
    price_plain = price_requests(rng, args.n, zone)
    deadline_plain = deadline_requests(rng, args.n, zone)
    works = ticket_works(price_plain, zone)
    deadlines = deadline_arguments(deadline_plain, zone)
    print(f"engine warm-up (timeline built for the whole range): {warm_up(policy, works, deadlines) * 1000:.0f} ms")

    results = [bench_api_price(policy, works, args.repeat), bench_api_deadline(policy, deadlines, args.repeat)]
    if not args.skip_batch:
        batch_rng = random.Random(args.seed + 1)
        with tempfile.TemporaryDirectory(prefix="bench-policy-") as tmp:
            workdir = Path(tmp)
            deadline_lines = deadline_requests(batch_rng, args.lines, zone)
            price_lines = price_requests(batch_rng, args.lines, zone)
            results.append(bench_batch("deadline", deadline_lines, cpu, args.repeat, workdir))
            results.append(bench_batch("price", price_lines, cpu, args.repeat, workdir))
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
