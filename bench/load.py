"""Servers under gunicorn and load from wrk (a separate, efficient client process)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.build import BENCH_DIR, DATA_DIR, ROOT

WRK = shutil.which("wrk") or "/usr/bin/wrk"
SECRET_KEY = "bench-secret-key-" + "0" * 40
THREADS = 2


def require_wrk() -> None:
    if not Path(WRK).exists():
        sys.exit(
            "make bench needs wrk, the HTTP load generator: "
            "install it with `sudo apt-get install wrk` (Debian/Ubuntu package `wrk`)"
        )


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
            capture_output=True,
            text=True,
        ).stdout
        return [int(p) for p in out.split()]

    def peak_rss_mb(self) -> list[float]:
        """Each worker's high-water resident memory (VmHWM), in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(round(int(line.split()[1]) / 1024, 1))
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_server(target: str, port: int, workers: int = 2, env: dict | None = None) -> Server:
    """gunicorn with sync workers on 127.0.0.1:port; waits until it answers."""
    import socket

    with socket.socket() as probe:  # a leftover server there would be measured instead
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already in use: stop what is listening there")
    full_env = dict(os.environ)
    full_env.update(env or {})
    log = open(DATA_DIR / f"gunicorn-{port}.log", "w")  # noqa: SIM115 -- lives as long as the server
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            target,
        ],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(process, port)
    deadline = time.monotonic() + 60
    path = "/healthz" if target == "wsgi:app" else "/"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited; see {log.name}")
        try:
            urllib.request.urlopen(server.url + path, timeout=2).read()  # noqa: S310 -- our own loopback server
            return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"gunicorn on port {port} did not answer within 60 s")


def app_env(database_url: str) -> dict:
    return {
        "CLINIC_DATABASE_URL": database_url,
        "CLINIC_SECRET_KEY": SECRET_KEY,
        "CLINIC_SECURE_COOKIES": "0",
        "CLINIC_INSTANCE_PATH": str(DATA_DIR / "instance"),
    }


_LUA = """
local reqs = %(reqs)s
local counter = 0
local seen = 0
function setup(thread)
  thread:set("tid", seen)
  seen = seen + 1
end
function request()
  local i = counter * %(threads)d + tid
  counter = counter + 1
  local r = reqs[(i %% #reqs) + 1]
  local headers = {["Cookie"] = r[3]}
  if r[4] ~= "" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(r[1], r[2], headers, r[4] ~= "" and r[4] or nil)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,"p99_us":%%d,' ..
    '"status_errors":%%d,"socket_errors":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def wrk(
    base_url: str,
    requests: list[tuple[str, str, str, str]],
    *,
    connections: int,
    seconds: float,
    tag: str,
) -> dict:
    """Drive ``requests`` ((method, path, cookie, body) rotated) for ``seconds``."""
    reqs = (
        "{"
        + ",".join(
            "{" + ",".join(_lua_string(part) for part in request) + "}" for request in requests
        )
        + "}"
    )
    script = DATA_DIR / f"wrk-{tag}.lua"
    script.write_text(_LUA % {"reqs": reqs, "threads": THREADS})
    out = subprocess.run(
        [
            WRK,
            "-t",
            str(min(THREADS, connections)),
            "-c",
            str(connections),
            "-d",
            f"{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    drain(base_url)
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCHJSON "))
    raw = json.loads(line.removeprefix("BENCHJSON "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "errors": raw["status_errors"] + raw["socket_errors"],
        "connections": connections,
        "seconds": round(seconds_run, 1),
    }


def drain(base_url: str) -> None:
    """Wait until the server has worked off what wrk left queued when it stopped.

    Sync workers finish every request they accepted, even one whose client has gone;
    without this, the next measurement would start behind the last one's queue.
    """
    for _ in range(120):
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=60).read()  # noqa: S310 -- loopback
            return
        except urllib.error.HTTPError:
            return  # answered (the ceiling has no /healthz): the queue is empty
        except OSError:
            time.sleep(0.5)


def ceiling_app_path() -> str:
    return "bench.ceiling:app"


__all__ = ["BENCH_DIR", "Server", "app_env", "require_wrk", "start_server", "wrk"]
