"""The `servicedesk` command: our own commands, then every Django management command."""

from __future__ import annotations

import os
import sys

OWN_COMMANDS = {
    "policy": "ask the policy engine for deadlines and prices (what-if); check a policy file",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    argv = _take_policy_option(argv)
    if argv and argv[0] == "policy":
        from servicedesk.whatif.command import main as policy_main

        return policy_main(argv[1:])
    if argv == ["mail", "receive"]:
        # Pipe mode: the MTA starts this for every mail. It writes the mail to the spool and ends; the worker
        # takes it in (`mail receive --now` stores and processes it in this process instead, with Django).
        from servicedesk.mail.spool import receive_to_spool

        return receive_to_spool(sys.stdin.buffer, sys.stdout, sys.stderr)
    return _django(argv)


def _take_policy_option(argv: list[str]) -> list[str]:
    """`--policy FILE` (or `--policy=FILE`) sets the policy for a Django command, wherever it stands.

    The `policy` commands read the option themselves; before them it is taken here too.
    """
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "policy" and not rest:
            return [*rest, *argv[i:]]
        if arg == "--policy" and i + 1 < len(argv):
            os.environ["SERVICEDESK_POLICY"] = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--policy="):
            os.environ["SERVICEDESK_POLICY"] = arg.split("=", 1)[1]
            i += 1
            continue
        rest.append(arg)
        i += 1
    return rest


def _django(argv: list[str]) -> int:
    from servicedesk.policy import PolicyFileError, load_policy

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    if argv and argv[0] in ("help", "--help", "-h") and len(argv) == 1:
        _print_help()
    try:
        load_policy(os.environ.get("SERVICEDESK_POLICY") or None)
    except PolicyFileError as exc:
        # A broken policy file: say every problem, start nothing.
        for problem in exc.problems:
            sys.stderr.write(f"{problem}\n")
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(["servicedesk", *argv])
    return 0


def _print_help() -> None:
    print("Usage: servicedesk [--policy FILE] COMMAND [options]\n")
    print("Servicedesk commands:")
    for name, text in OWN_COMMANDS.items():
        print(f"  {name:<12} {text}")
    print()


if __name__ == "__main__":
    sys.exit(main())
