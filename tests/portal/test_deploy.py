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


SHOW_COOKIES = (
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE)"
)


def test_behind_https_every_cookie_is_secure(tmp_path):
    env = {**os.environ, "SERVICEDESK_VAR_DIR": str(tmp_path), "SERVICEDESK_HTTPS": "1"}
    env["DJANGO_SETTINGS_MODULE"] = "servicedesk.settings"
    code = f"import django; django.setup(); {SHOW_COOKIES}"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True", "True", "Lax"], result.stderr


def test_the_language_cookie_set_at_sign_in_follows_the_settings(client, settings, db):
    from tests import factories
    from tests.helpers import PORTAL_PASSWORD

    settings.LANGUAGE_COOKIE_SECURE = True
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example", language="en")
    factories.portal_user(anja, PORTAL_PASSWORD)
    response = client.post("/portal/login/", {"email": anja.email, "password": PORTAL_PASSWORD})
    cookie = response.cookies["django_language"]
    assert cookie.value == "en" and cookie["secure"] and cookie["samesite"] == "Lax"
    switched = client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert switched.cookies["django_language"]["secure"]
