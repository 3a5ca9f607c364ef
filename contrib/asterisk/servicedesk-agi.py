#!/usr/bin/env python3
"""Asterisk AGI adapter for the servicedesk's phone webhook (stdlib only; copy it to agi-bin).

Dialplan (extensions.conf), for the after-hours line:

    [servicedesk-after-hours]
    exten => s,1,Answer()
     same => n,AGI(servicedesk-agi.py)                     ; asks the desk what to do
     same => n,GotoIf($["${SD_ACTION}" = "menu"]?menu)
     same => n(say),Playback(${SD_PROMPT})                  ; or a TTS application with ${SD_SAY}
     same => n,GotoIf($["${SD_ACTION}" = "transfer"]?transfer:hangup)
     same => n(menu),Read(CHOICE,${SD_PROMPT},1)
     same => n,Set(SD_CHOICE=${IF($["${CHOICE}" = "1"]?urgent:)})
     same => n,AGI(servicedesk-agi.py,${SD_CHOICE})
     same => n,Goto(say)
     same => n(transfer),Dial(PJSIP/${SD_TRANSFER_TO}@trunk,60)
     same => n(hangup),Hangup()

Environment: SERVICEDESK_WEBHOOK (e.g. https://desk.example.nl/hooks/phone/) and SERVICEDESK_PHONE_SECRET.
It sets SD_ACTION (menu, transfer, hangup), SD_SAY (the text), SD_LANGUAGE, SD_TRANSFER_TO, SD_TICKET.
If the desk cannot be reached, it sets SD_ACTION=transfer to SERVICEDESK_FALLBACK_NUMBER when given, else hangup.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import time
import urllib.request
import uuid


def read_environment(stream) -> dict[str, str]:
    env = {}
    for line in stream:
        line = line.strip()
        if not line:
            break
        key, _, value = line.partition(":")
        env[key.strip()] = value.strip()
    return env


def command(stream_in, stream_out, text: str) -> str:
    stream_out.write(text + "\n")
    stream_out.flush()
    return stream_in.readline().strip()  # "200 result=1"


def set_variable(stream_in, stream_out, name: str, value) -> None:
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    command(stream_in, stream_out, f'SET VARIABLE {name} "{escaped}"')


def ask_desk(url: str, secret: str, call: dict) -> dict:
    body = json.dumps(call).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Servicedesk-Timestamp": stamp,
            "X-Servicedesk-Signature": signature,
        },
    )
    with urllib.request.urlopen(request, timeout=8) as response:
        return json.loads(response.read())


def main(argv: list[str], stream_in=sys.stdin, stream_out=sys.stdout) -> int:
    env = read_environment(stream_in)
    choice = argv[1] if len(argv) > 1 else ""
    call = {
        "call_id": env.get("agi_uniqueid") or str(uuid.uuid4()),
        "caller": env.get("agi_callerid", ""),
        "choice": choice,
        "language": env.get("agi_language", "nl")[:2],
    }
    try:
        answer = ask_desk(os.environ["SERVICEDESK_WEBHOOK"], os.environ["SERVICEDESK_PHONE_SECRET"], call)
    except Exception as exc:  # the desk is unreachable: the caller must still get somewhere
        command(stream_in, stream_out, f'VERBOSE "servicedesk webhook failed: {type(exc).__name__}" 1')
        fallback = os.environ.get("SERVICEDESK_FALLBACK_NUMBER", "")
        set_variable(stream_in, stream_out, "SD_ACTION", "transfer" if fallback else "hangup")
        set_variable(stream_in, stream_out, "SD_TRANSFER_TO", fallback)
        return 0
    for name, key in (
        ("SD_ACTION", "action"),
        ("SD_SAY", "say"),
        ("SD_LANGUAGE", "language"),
        ("SD_TRANSFER_TO", "transfer_to"),
        ("SD_TICKET", "ticket"),
    ):
        set_variable(stream_in, stream_out, name, answer.get(key, ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
