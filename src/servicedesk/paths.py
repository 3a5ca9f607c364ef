"""Where the service keeps its files, known without Django's settings: the settings read it, and so does pipe mode,
which writes a mail to the spool without loading them (mail/spool.py)."""

from __future__ import annotations

import os
from pathlib import Path


def var_dir() -> Path:
    """The var directory: `SERVICEDESK_VAR_DIR`, default `var` in the working directory."""
    return Path(os.environ.get("SERVICEDESK_VAR_DIR", "var")).resolve()
