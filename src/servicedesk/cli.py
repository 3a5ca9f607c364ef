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
    return _django(argv)


def _take_policy_option(argv: list[str]) -> list[str]:
    """`servicedesk --policy FILE COMMAND ...` sets the policy for any command."""
    if len(argv) >= 2 and argv[0] == "--policy":
        os.environ["SERVICEDESK_POLICY"] = argv[1]
        return argv[2:]
    if argv and argv[0].startswith("--policy="):
        os.environ["SERVICEDESK_POLICY"] = argv[0].split("=", 1)[1]
        return argv[1:]
    return argv


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
