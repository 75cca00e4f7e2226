"""Real gunicorn servers and a small cookie-keeping HTTP client for the fault tests.

The servers run ``tests/fault_wsgi.py`` (the production app plus a test-only pause) in
their own process group, on a socket the test opened itself (``--bind fd://N``), so
there is no race for a port and a server is always reachable the moment it starts:
requests wait in the socket's queue until a worker takes them, including after a
worker was killed and gunicorn replaced it.
"""

from __future__ import annotations

import glob
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from gunicorn import version_info as _gunicorn_version

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# gunicorn 27 opens a control socket at one fixed path per user; two masters (or a
# clinic's own gunicorn on the same machine) must not fight over it.
_NO_CONTROL_SOCKET = ("--no-control-socket",) if _gunicorn_version >= (27,) else ()
BOOT_TIMEOUT = 60  # seconds; generous, the machine may be busy
REQUEST_TIMEOUT = 60


def wait_for(predicate, timeout: float = BOOT_TIMEOUT, what: str = "condition"):
    """Poll ``predicate`` until it returns something true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Gunicorn:
    """One gunicorn master with sync workers, serving the fault-test app."""

    def __init__(self, folder: Path, env: dict[str, str], workers: int = 1):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = listener.getsockname()[1]
        fd = listener.fileno()
        os.set_inheritable(fd, True)
        self.log = folder / "gunicorn.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"fd://{fd}",
                    "--workers",
                    str(workers),
                    "--timeout",
                    "120",
                    "--graceful-timeout",
                    "2",
                    *_NO_CONTROL_SOCKET,
                    "tests.fault_wsgi:app",
                ],
                cwd=PROJECT_ROOT,
                env={**os.environ, **env, "CLINIC_FAULT_DIR": str(folder)},
                pass_fds=(fd,),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        listener.close()  # gunicorn holds its own copy
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        def answers():
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.output()}")
            try:
                return Browser(self.url).get("/healthz", timeout=2).status == 200
            except OSError:
                return False

        wait_for(answers, what=f"gunicorn on {self.url}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    # -- the pause (see tests/fault_wsgi.py) --------------------------------------

    def paused_worker(self, timeout: float = BOOT_TIMEOUT) -> int:
        """Wait until a request is paused mid-transaction; return its worker's pid."""
        marker = self.folder / "paused"
        return int(wait_for(lambda: marker.exists() and marker.read_text(), timeout, "pause"))

    def release(self) -> None:
        (self.folder / "release").touch()

    def stop(self) -> None:
        """End the master and its workers at once (a paused one included): what they
        were doing is over, and an uncommitted transaction dies with its process."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group started for it alone
        except ProcessLookupError:
            pass
        self.process.wait(30)


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Browser:
    """Keeps cookies like a browser and never follows redirects (the test does)."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict | None = None, timeout=REQUEST_TIMEOUT):
        host, port = self.base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            return Page(response.status, {k.lower(): v for k, v in response.headers.items()}, text)
        finally:
            conn.close()

    def get(self, path: str, **kwargs) -> Page:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs) -> Page:
        return self.request("POST", path, form, **kwargs)

    def submit(self, path: str, changes: dict | None = None, **kwargs) -> Page:
        """GET a form page, then POST its fields (CSRF token included) with ``changes``."""
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        return self.post(path, {**form_fields(page.text), **(changes or {})}, **kwargs)

    def login(self, username: str, password: str) -> Page:
        return self.submit("/auth/login", {"username": username, "password": password})


_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.IGNORECASE | re.DOTALL)
_OPTION = re.compile(r"<option\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_fields(html: str) -> dict[str, str]:
    """What a browser would send for the page's inputs and selects as they stand (the
    first of a name wins; pages here carry one form besides the sign-out button's)."""
    from html import unescape

    fields: dict[str, str] = {}
    for tag in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs and "value" in attrs:
            fields.setdefault(attrs["name"], unescape(attrs["value"]))
    for attributes, options in _SELECT.findall(html):
        name = dict(_ATTR.findall(attributes)).get("name")
        chosen = [
            dict(_ATTR.findall(tag)).get("value", "")
            for tag in _OPTION.findall(options)
            if re.search(r"\sselected\b", tag)
        ]
        if name and chosen:
            fields.setdefault(name, unescape(chosen[0]))
    return fields


class PrivateCluster:
    """A throw-away PostgreSQL cluster of our own, which a test may restart at will.

    Restarting the shared server would disturb everyone else using it; this one lives
    in a temporary folder, listens only on a Unix socket there (no port to collide
    with), runs as the ``postgres`` user when the tests run as root (PostgreSQL refuses
    to run as root), and is stopped and deleted afterwards.
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="clinic-pg-"))
        self.data = self.folder / "data"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql+psycopg://clinic@/postgres?host={self.folder}"
        try:
            self._run(
                "initdb", "-D", str(self.data), "-U", "clinic", "-A", "trust", "-E", "UTF8",
                "--no-sync",
            )  # fmt: skip
            self.pg_ctl("start")
        except BaseException:
            self.remove()
            raise

    @staticmethod
    def unavailable() -> str:
        """Why no private cluster can be made here ("" when one can)."""
        if PrivateCluster.find_bindir() is None:
            return "the PostgreSQL server programs (initdb, pg_ctl) are not installed"
        if os.geteuid() == 0:
            import pwd

            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root, and there is no postgres user to run a server as"
        return ""

    @staticmethod
    def find_bindir() -> Path | None:
        found = shutil.which("initdb")
        if found:
            return Path(found).resolve().parent
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        return Path(candidates[-1]).parent if candidates else None

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [*self.as_owner, str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.folder,
        )
        if result.returncode != 0:
            raise AssertionError(f"{program} failed:\n{result.stdout}\n{result.stderr}")

    def pg_ctl(self, action: str, *args: str) -> None:
        options = f"-c listen_addresses='' -k {self.folder} -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl", action, "-D", str(self.data), "-w", "-t", "60",
            "-l", str(self.folder / "server.log"), "-o", options, *args,
        )  # fmt: skip

    def restart(self) -> None:
        """What a restart does to the app: every session is ended, open transactions
        are rolled back, and for a moment nobody can connect."""
        self.pg_ctl("restart", "-m", "fast")

    def remove(self) -> None:
        try:
            self.pg_ctl("stop", "-m", "immediate")
        except AssertionError:
            pass  # already stopped
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
