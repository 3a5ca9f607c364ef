"""The Django project: settings from the environment, the home page in Dutch and English, start-up checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.test import override_settings

import servicedesk

PACKAGE = Path(servicedesk.__file__).parent
SERVICEDESK = Path(sys.executable).with_name("servicedesk")


def test_home_page_is_dutch_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welkom bij de servicedesk" in html
    assert '<html lang="nl">' in html
    assert "Reactietijd: 3 werkdagen" in html
    assert "€\xa065,00" in html
    assert "kosteloos" in html  # managed + high


def test_home_page_in_english(client):
    response = client.get("/", headers={"accept-language": "en"})
    html = response.content.decode()
    assert "Welcome to the service desk" in html
    assert "Response time: 3 business days" in html
    assert "€\xa065.00" in html


def test_language_switch_sets_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Welcome to the service desk" in client.get("/").content.decode()


@pytest.mark.django_db
def test_database_backend_follows_database_url():
    url = os.environ.get("DATABASE_URL", "")
    engine = settings.DATABASES["default"]["ENGINE"]
    assert engine == ("django.db.backends.postgresql" if url.startswith("postgres") else "django.db.backends.sqlite3")


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2():
    user = get_user_model().objects.create_user("agent", password="correct horse battery staple")
    assert user.password.startswith("argon2$")
    assert user.check_password("correct horse battery staple")


def test_broken_policy_is_a_system_check_error(tmp_path):
    broken = tmp_path / "policy.toml"
    broken.write_text('[calendar]\ntime_zone = "Nowhere/Land"\n')
    with override_settings(SERVICEDESK_POLICY=str(broken)):
        errors = [e for e in run_checks() if e.id == "servicedesk.E001"]
    messages = [e.msg for e in errors]
    assert any("calendar.time_zone" in m and "not a known time zone" in m for m in messages)
    assert any(m.startswith(f"{broken}: office_hours: is missing") for m in messages)
    assert not [e for e in run_checks() if e.id == "servicedesk.E001"]


def _servicedesk(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SERVICEDESK), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize("how", ["env", "option"])
def test_nothing_starts_with_a_broken_policy(tmp_path, how):
    broken = tmp_path / "policy.toml"
    broken.write_text(
        default_text().replace('unit = "15m"', 'unit = "soon"').replace('vat_percent = "21"', 'vat_percent = "x"')
    )
    env = {"SERVICEDESK_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    args = ["migrate"]
    if how == "env":
        env["SERVICEDESK_POLICY"] = str(broken)
    else:
        args = ["--policy", str(broken), "migrate"]
    result = _servicedesk(*args, env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{broken}: billing.unit: 'soon' is not a duration like '8h', '90m' or '1h30m'",
        f"{broken}: billing.vat_percent: 'x' is not a number",
    ]
    assert not (tmp_path / "db.sqlite3").exists()


def test_django_commands_run_through_the_servicedesk_command(tmp_path):
    env = {"SERVICEDESK_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    env.pop("SERVICEDESK_POLICY", None)
    result = _servicedesk("migrate", "-v0", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "db.sqlite3").exists()
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
    result = _servicedesk("check", env=env)
    assert result.returncode == 0
    assert "no issues" in result.stdout


def default_text() -> str:
    return (PACKAGE / "policy" / "default.toml").read_text()


def _read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr (plural forms joined by NUL, a context before its msgid with EOT, as in a .mo file)."""
    entries: dict[str, str] = {}
    current: dict[str, list[str]] = {}
    key = None

    def flush():
        if "msgid" in current:
            msgid = "".join(current["msgid"])
            if "msgctxt" in current:
                msgid = "".join(current["msgctxt"]) + "\x04" + msgid
            if "msgid_plural" in current:
                msgid += "\x00" + "".join(current["msgid_plural"])
                strings = [("".join(v)) for k, v in sorted(current.items()) if k.startswith("msgstr[")]
                entries[msgid] = "\x00".join(strings)
            else:
                entries[msgid] = "".join(current.get("msgstr", []))

    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
        if match:
            if match.group(1) == "msgctxt" or (match.group(1) == "msgid" and "msgid" in current):
                flush()
                current = {}
            key = match.group(1)
            current[key] = [match.group(2)]
        else:
            current[key].append(line.strip()[1:-1])
    flush()
    return {
        k.encode().decode("unicode_escape").encode("latin-1").decode(): v.encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode()
        for k, v in entries.items()
        if k
    }


def test_compiled_dutch_messages_match_the_po_file():
    folder = PACKAGE / "locale" / "nl" / "LC_MESSAGES"
    po = _read_po(folder / "django.po")
    with open(folder / "django.mo", "rb") as handle:
        mo = GNUTranslations(handle)
    assert po, "no messages in the .po file"
    for msgid, msgstr in po.items():
        assert msgstr, f"untranslated: {msgid!r}"
        if "\x00" in msgid:
            singular, plural = msgid.split("\x00")
            forms = msgstr.split("\x00")
            assert mo.ngettext(singular, plural, 1) == forms[0]
            assert mo.ngettext(singular, plural, 2) == forms[1]
        elif "\x04" in msgid:
            context, text = msgid.split("\x04")
            assert mo.pgettext(context, text) == msgstr, f"{msgid!r}: .mo is out of date; run msgfmt"
        else:
            assert mo.gettext(msgid) == msgstr, f"{msgid!r}: .mo is out of date; run msgfmt"
