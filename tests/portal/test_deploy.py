"""Production settings pass Django's deployment checks without a single warning."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        # The browser tests allow async-unsafe calls in this process; a deployment never does.
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SERVICEDESK_VAR_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(60),
        "SERVICEDESK_HTTPS": "1",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "desk.qiqq.example",
    }
    result = subprocess.run(
        [str(Path(sys.executable).with_name("servicedesk")), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
