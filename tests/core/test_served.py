"""The site as gunicorn serves it in production (`servicedesk.gunicorn_conf`): two worker processes, each with its
own cache, and connections kept open between requests. Which worker answers is chosen by stopping the other one
(SIGSTOP) for the request: a session signed out or changed on one worker is seen on the other."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests import factories
from tests.helpers import database_url

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Koffie-Met-Appeltaart-42"


class Browser:
    """Cookies kept between requests, one new connection per request unless given one."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None, connection=None):
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response, page


REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["database sessions", "cached sessions"])
def site(request, tmp_path):
    """Gunicorn with the production configuration and two workers on the test database: (port, workers). Sessions
    in the database alone, or (CACHE_URL) in the database and a cache the workers share (Redis)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SERVICEDESK_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": "served-test-secret-key-" + "s" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "SERVICEDESK_BIND": f"127.0.0.1:{port}",
    }
    if request.param == "cached sessions":
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        env["CACHE_URL"] = REDIS
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-c", "python:servicedesk.gunicorn_conf", "servicedesk.wsgi", "--no-control-socket"]
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            workers = [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
            try:
                response, _ = Browser(port).request("GET", "/portal/login/")
                if response.status == 200 and len(workers) == 2:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
        yield port, workers
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        server.terminate()
        server.wait(timeout=30)
        log.close()


@contextmanager
def only(worker: int, workers: list[int]):
    """Requests made inside go to `worker`: the others are stopped meanwhile."""
    others = [pid for pid in workers if pid != worker]
    for pid in others:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in others:
            os.kill(pid, signal.SIGCONT)


def signed_in(port: int, first: int, second: int) -> Browser:
    """Anja signed in on the first worker, her pages then seen twice on the second (the second time from its own
    copy of the session)."""
    factories.portal_user(factories.contact(factories.customer(), main=True, email="anja@korrel.example"), PASSWORD)
    anja = Browser(port)
    with only(first, [first, second]):
        anja.request("GET", "/portal/login/")
        response, _ = anja.request("POST", "/portal/login/", {"email": "anja@korrel.example", "password": PASSWORD})
        assert response.status == 302 and response.getheader("Location") == "/portal/", response.status
    with only(second, [first, second]):
        for _ in range(2):
            response, page = anja.request("GET", "/portal/account/")
            assert response.status == 200 and 'id="totp-secret"' not in page
    return anja


def test_a_session_signed_out_on_one_worker_ends_on_the_other(site):
    port, (first, second) = site
    anja = signed_in(port, first, second)
    thief = Browser(port)
    thief.cookies = dict(anja.cookies)
    with only(first, site[1]):
        response, _ = anja.request("POST", "/portal/logout/", {})
        assert response.status == 302
    with only(second, site[1]):
        response, _ = thief.request("GET", "/portal/")
        assert response.status == 302 and response.getheader("Location").startswith("/portal/login/")


def test_a_session_changed_on_one_worker_is_read_again_on_the_other(site):
    """Setting up a second factor: the key made on one worker is the one the other shows (and checks)."""
    port, (first, second) = site
    anja = signed_in(port, first, second)
    with only(first, site[1]):
        _, page = anja.request("POST", "/portal/account/", {"action": "start"})
        secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
    with only(second, site[1]):
        _, page = anja.request("GET", "/portal/account/")
        assert f'<code id="totp-secret">{secret}</code>' in page


def test_a_connection_is_kept_open_between_requests(site):
    port, _ = site
    browser = Browser(port)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    response, _ = browser.request("GET", "/portal/login/", connection=connection)
    kept = connection.sock
    assert response.status == 200 and response.getheader("Connection", "").lower() != "close"
    response, _ = browser.request("GET", "/portal/login/", connection=connection)
    assert response.status == 200 and connection.sock is kept
    connection.close()
