"""API throughput and tail latency under gunicorn, beside a trivial Django JSON view.

    .venv/bin/python bench/api_load.py [--tasks 100000] [--duration 10] [--connections 4]

Fills its own PostgreSQL database (``bench_api``; ``bench/inbox.py``'s fill: the demo
district and N open applications, each with its open task and deadline), then serves the
project with gunicorn as deployed (``deploy/gunicorn.conf.py``, 2 sync workers, loopback,
DEBUG off) and drives it with ``wrk`` (a bounded closed-loop load: a fixed number of
connections, each sending its next request when the last one answered), for:

- ``/bench/trivial/``: a JSON view doing nothing, behind the same middleware (the ceiling
  of this stack on this machine, ``bench/api_urls.py``);
- ``GET /api/v1/tasks/`` as the village reviewer of 邢村 (token auth, 50 rows);
- ``GET /api/v1/cases/{id}/`` of one of that village's cases (token auth).

It prints req/s, p50 and p99 for each and the API's req/s as a ratio of the trivial
view's in the same run. Targets: ratio >= 0.5, p99 <= 50 ms at 2 workers. It reports; it
does not assert. ``wrk`` is Debian's package; the bench installs it if it is missing
(apt-get, as root or through sudo).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_api")

from bench.lifecycle import database_url, ensure_database, git_state, load, setup_django  # noqa: E402

WORKERS = 2
RATIO_TARGET = 0.5
P99_TARGET_MS = 50.0


def ensure_wrk() -> str:
    """The path of ``wrk``, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("installing wrk (apt-get) ...", flush=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends",
                    "wrk"], check=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                   stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        sys.exit("apt-get installed no wrk")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(WORKERS),
               DJANGO_DEBUG="False", PYTHONUNBUFFERED="1")
    handle = log.open("w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py",
         "bench.api_wsgi:application"], cwd=ROOT, env=env, stdout=handle,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/bench/trivial/", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(wrk: str, url: str, *, token: str, connections: int, seconds: int) -> dict:
    """One wrk run; its req/s, p50, p99 and the count of non-2xx answers."""
    headers = ["-H", f"Authorization: Token {token}"] if token else []
    out = subprocess.run([wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          *headers, url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rate": rate, "p50": p50, "p99": p99, "errors": int(errors.group(1)) if errors
            else 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    wrk = ensure_wrk()
    ensure_database(database_url())
    setup_django()
    from rest_framework.authtoken.models import Token

    from bench.inbox import fill
    from casework.models import Case, User

    started = time.perf_counter()
    counts = fill(args.tasks)
    print(f"filled {args.tasks} open cases and tasks in {time.perf_counter() - started:.1f} s:"
          f" {counts}")
    reviewer = User.objects.get(username="village_xing")
    token = Token.objects.get_or_create(user=reviewer)[0].key
    case_id = (Case.objects.filter(area_id=reviewer.area_id).order_by("-id")
               .values_list("id", flat=True).first())
    log = ROOT / "var" / "bench-api-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    proc, base = start_gunicorn(log)
    try:
        targets = [("trivial JSON view", "/bench/trivial/", ""),
                   ("GET /api/v1/tasks/", "/api/v1/tasks/", token),
                   ("GET /api/v1/cases/{id}/", f"/api/v1/cases/{case_id}/", token)]
        print(f"gunicorn {WORKERS} sync workers (deploy/gunicorn.conf.py), wrk 1 thread, "
              f"{args.connections} connections, {args.duration} s each after a 2 s warm-up; "
              f"{git_state()}; {load()}")
        print(f"\n{'endpoint':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
              f"{'x trivial':>10}")
        results = {}
        for label, path, auth in targets:
            run_wrk(wrk, base + path, token=auth, connections=args.connections, seconds=2)
            results[label] = result = run_wrk(wrk, base + path, token=auth,
                                              connections=args.connections,
                                              seconds=args.duration)
            ratio = result["rate"] / results["trivial JSON view"]["rate"]
            print(f"{label:<26} {result['rate']:9.1f} {result['p50']:8.2f} "
                  f"{result['p99']:8.2f} {result['errors']:8d} {ratio:10.2f}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print()
    trivial = results.pop("trivial JSON view")["rate"]
    for label, result in results.items():
        ratio = result["rate"] / trivial
        ok = ratio >= RATIO_TARGET and result["p99"] <= P99_TARGET_MS and not result["errors"]
        print(f"target: {label} >= {RATIO_TARGET}x the trivial view's req/s and p99 <= "
              f"{P99_TARGET_MS:.0f} ms -> {ratio:.2f}x, p99 {result['p99']:.2f} ms "
              f"{'PASS' if ok else 'MISS'}")
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
