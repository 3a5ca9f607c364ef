"""`servicedesk policy ...`: deadlines, prices and policy-file checks, one at a time or in batch."""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from servicedesk.policy import OutsideCalendar, Policy, PolicyFileError, default_policy_path, load_policy
from servicedesk.whatif.inputs import ContractPolicies, InputError, deadline_request, price_request
from servicedesk.whatif.outputs import deadline_json, price_json

EXIT_OK = 0
EXIT_BATCH_ERRORS = 1
EXIT_BAD_INPUT = 2

POLICY_ENV = "SERVICEDESK_POLICY"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def build_parser(prog: str = "servicedesk policy") -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--policy",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help=f"policy file (default: ${POLICY_ENV}, else the shipped policy)",
    )
    parser = _Parser(
        prog=prog, description="Ask the policy engine what a ticket's deadline or price would be.", parents=[common]
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    deadline = commands.add_parser("deadline", parents=[common], help="the response deadline of a ticket")
    deadline.add_argument("--type", dest="support_type", metavar="T", help="managed, unmanaged or functional")
    deadline.add_argument("--priority", metavar="P", help="standard, high or direct")
    deadline.add_argument("--reported", metavar="TIME", help="ISO 8601; without offset: local time")
    deadline.add_argument("--channel", metavar="C", help="email (default), portal, phone or phone_after_hours")
    deadline.add_argument("--batch", action="store_true", help="read JSON Lines on stdin, write one line each")

    price = commands.add_parser("price", parents=[common], help="the price of a ticket's time entries")
    price.add_argument("file", nargs="?", metavar="FILE", help="a JSON object (default: stdin)")
    price.add_argument("--batch", action="store_true", help="read JSON Lines on stdin, write one line each")

    check = commands.add_parser("check", parents=[common], help="check a policy file and say what is wrong")
    check.add_argument("file", nargs="?", metavar="FILE", help="the policy file (default: the one in use)")
    return parser


def main(
    argv: list[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    prog: str = "servicedesk policy",
) -> int:
    if stdin is None:
        # Undecodable bytes must become an error line, not a crash that ends the batch.
        stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape", newline="\n")
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    policy_path = getattr(args, "policy", None) or os.environ.get(POLICY_ENV) or None
    if args.command == "check":
        return _check(args.file or policy_path, stdout, stderr)
    try:
        policy = load_policy(policy_path)
    except PolicyFileError as exc:
        for problem in exc.problems:
            stderr.write(f"{problem}\n")
        return EXIT_BAD_INPUT
    if args.command == "deadline":
        if args.batch:
            if any(v is not None for v in (args.support_type, args.priority, args.reported, args.channel)):
                stderr.write(
                    f"{prog} deadline: --batch reads its requests from stdin; leave out --type, "
                    "--priority, --reported and --channel\n"
                )
                return EXIT_BAD_INPUT
            return _batch(stdin, stdout, deadline_answer(policy))
        request = {"support_type": args.support_type, "priority": args.priority, "reported": args.reported}
        request = {k: v for k, v in request.items() if v is not None}
        if args.channel is not None:
            request["channel"] = args.channel
        flags = {"support_type": "--type", "priority": "--priority", "reported": "--reported"}
        missing = [f"{key}: missing (give {flag})" for key, flag in flags.items() if key not in request]
        if missing:
            stderr.write(f"{prog} deadline: {missing[0]}\n")
            return EXIT_BAD_INPUT
        return _single(lambda: request, stdout, stderr, deadline_answer(policy), f"{prog} deadline")
    if args.batch:
        if args.file:
            stderr.write(f"{prog} price: --batch reads JSON Lines from stdin; leave out FILE\n")
            return EXIT_BAD_INPUT
        return _batch(stdin, stdout, price_answer(policy))
    return _single(lambda: _read_json(args.file, stdin), stdout, stderr, price_answer(policy), f"{prog} price")


Answer = Callable[[Any], dict]


def deadline_answer(policy: Policy) -> Answer:
    time_zone = policy.time_zone
    policies = ContractPolicies(policy)

    def answer(data: Any) -> dict:
        request = deadline_request(data, time_zone)
        try:
            deadline = policies.for_request(data).response_deadline(
                support_type=request.support_type,
                priority=request.priority,
                reported=request.reported,
                channel=request.channel,
            )
        except OutsideCalendar as exc:
            raise InputError("reported", str(exc)) from None
        return deadline_json(deadline)

    return answer


def price_answer(policy: Policy) -> Answer:
    time_zone = policy.time_zone
    policies = ContractPolicies(policy)

    def answer(data: Any) -> dict:
        work = price_request(data, policy)
        try:
            price = policies.for_request(data).price(work)
        except OutsideCalendar as exc:
            raise InputError("entries", str(exc)) from None
        return price_json(price, time_zone)

    return answer


def _read_json(file: str | None, stdin: TextIO) -> Any:
    try:
        if file:
            with open(file, encoding="utf-8") as handle:
                text = handle.read()
        else:
            text = stdin.read()
        _check_utf8(text)
    except OSError as exc:
        raise InputError("input", f"cannot read {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError("input", "is not UTF-8 text") from None
    return _loads(text)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("input", f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise InputError("input", "malformed JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise InputError("input", f"malformed JSON ({str(exc).splitlines()[0][:120]})") from None


def _single(read: Callable[[], Any], stdout: TextIO, stderr: TextIO, answer: Answer, prog: str) -> int:
    try:
        result = answer(read())
    except InputError as exc:
        stderr.write(f"{prog}: {exc}\n")
        return EXIT_BAD_INPUT
    stdout.write(json.dumps(result) + "\n")
    return EXIT_OK


def _batch(stdin: TextIO, stdout: TextIO, answer: Answer) -> int:
    """One answer line per input line, in order; a bad line answers with its error and the batch goes on."""
    # A batch makes short-lived objects and no reference cycles: the cycle collector would only
    # spend time walking them. It is switched back on when the batch ends.
    gc.disable()
    try:
        return _answer_lines(stdin, stdout, answer)
    finally:
        gc.enable()


def _answer_lines(stdin: TextIO, stdout: TextIO, answer: Answer) -> int:
    status = EXIT_OK
    out: list[str] = []
    dumps = json.JSONEncoder().encode
    for line in _lines(stdin):
        try:
            if not line.strip():
                raise InputError("input", "empty line")
            if not line.isascii():
                _check_utf8(line)
            out.append(dumps(answer(_loads(line))))
        except InputError as exc:
            out.append(dumps({"error": str(exc)}))
            status = EXIT_BATCH_ERRORS
        if len(out) >= 1024:
            stdout.write("\n".join(out) + "\n")
            out.clear()
    if out:
        stdout.write("\n".join(out) + "\n")
    stdout.flush()
    return status


def _check_utf8(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("input", "is not valid UTF-8") from None


def _lines(stdin: TextIO) -> Iterable[str]:
    for line in stdin:
        yield line.rstrip("\r\n")


def _check(file: str | None, stdout: TextIO, stderr: TextIO) -> int:
    try:
        load_policy(file)
    except PolicyFileError as exc:
        for problem in exc.problems:
            stderr.write(f"{problem}\n")
        return EXIT_BAD_INPUT
    stdout.write(f"{file or default_policy_path()}: ok\n")
    return EXIT_OK
