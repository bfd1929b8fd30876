"""Fault injection for integration tests: a private ``redis-server`` that a test starts and
stops, Celery workers in their own processes that a test can kill, and the test process's
Celery app pointed at that private Redis.

Never the shared Redis: each ``RedisServer`` listens on a free port of its own.

Run as a module, this file is a Celery worker of the project's app (``config.celery``),
with broker transport options from ``FAULTS_BROKER_TRANSPORT_OPTIONS`` (JSON) laid over
the settings' ones, e.g. a short ``visibility_timeout``; settings stay untouched::

    python -m tests.integration.faults worker --pool=solo -Q celery,notifications,...
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# every queue production routes to; the worker must consume them all
QUEUES = "celery,notifications,timers,bulk"
TRANSPORT_OPTIONS_ENV = "FAULTS_BROKER_TRANSPORT_OPTIONS"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throw-away ``redis-server`` (no persistence) on a port of its own.

    ``stop()`` then ``start()`` restarts it on the same port, empty: what was queued
    in it is lost, as with a Redis that restarts without persistence.
    """

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.frozen = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.workdir / "redis.log"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_timeout=2,
                           socket_connect_timeout=2)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:  # noqa: BLE001 - not up (yet)
            return False

    def start(self, timeout: float = 15.0) -> "RedisServer":
        assert self.proc is None, "already running"
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server on port {self.port} did not start:\n"
                                   f"{self.log.read_text() if self.log.exists() else ''}")
            time.sleep(0.05)
        return self

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted (by the kernel) but nothing answers,
        as with a Redis host that hangs, a VM paused, or a network that drops packets."""
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        """SIGCONT: Redis answers again, including what was sent while it was frozen."""
        if self.frozen:
            os.kill(self.proc.pid, signal.SIGCONT)
            self.frozen = False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.thaw()
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def backlog(self) -> dict:
        """Messages waiting in a queue, and messages delivered but not acknowledged."""
        client = self.client()
        queued = sum(client.llen(key) for key in client.scan_iter()
                     if client.type(key) == b"list")
        return {"queued": queued, "unacked": client.hlen("unacked")}


def _close_pools(app) -> None:
    """Forget the app's broker connection pools (the next publish builds new ones)."""
    if app.amqp._producer_pool is not None:
        app.amqp._producer_pool.force_close_all()
        app.amqp._producer_pool = None
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None


@contextmanager
def celery_app_using(url: str, **transport_options):
    """Point this process's Celery app (what ``apply_async`` and ``kick_relay`` publish
    through) at ``url``; transport options are the settings' ones plus those given."""
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options")}
    _close_pools(app)
    app.conf.broker_url = url
    app.conf.broker_transport_options = {**(saved["broker_transport_options"] or {}),
                                         **transport_options}
    try:
        yield app
    finally:
        _close_pools(app)
        app.conf.broker_url = saved["broker_url"]
        app.conf.broker_transport_options = saved["broker_transport_options"]


class Worker:
    """A ``celery worker`` process started by ``start_worker``."""

    def __init__(self, name: str, proc: subprocess.Popen, log: Path, handle):
        self.name, self.proc, self.log, self._handle = name, proc, log, handle

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, chars: int = 4000) -> str:
        return f"--- worker {self.name} log (tail) ---\n{self.text()[-chars:]}"

    def kill(self) -> None:
        """SIGKILL the worker's main process: no shutdown, no ack, no reject."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it does not exit; closes the log."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._handle.close()


def start_worker(name: str, *, log: Path, env: dict, pool: str = "solo",
                 transport_options: dict | None = None, timeout: float = 60.0) -> Worker:
    """Start a worker of the project's app on ``QUEUES``; return once it is ready.

    ``env`` is laid over this process's environment (DATABASE_URL, REDIS_URL, ...).
    Pool ``solo`` runs tasks in the worker process itself; ``prefork`` in one child.
    """
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", **env)
    for name in ("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "CELERY_BROKER_READ_URL",
                 "CELERY_BROKER_WRITE_URL"):  # the broker is REDIS_URL's, as in production
        full_env.pop(name, None)
    if transport_options:
        full_env[TRANSPORT_OPTIONS_ENV] = json.dumps(transport_options)
    handle = Path(log).open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.faults", "worker", f"--pool={pool}",
         "--concurrency=1", "-Q", QUEUES, "-n", f"{name}@%h", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=full_env, stdout=handle, stderr=subprocess.STDOUT)
    worker = Worker(name, proc, Path(log), handle)
    deadline = time.monotonic() + timeout
    while "ready." not in worker.text():
        if proc.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            raise RuntimeError(f"celery worker {name} did not start:\n{worker.text()}")
        time.sleep(0.1)
    return worker


def _run_worker(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.celery import app

    extra = json.loads(os.environ.get(TRANSPORT_OPTIONS_ENV) or "{}")
    if extra:
        app.conf.broker_transport_options = {**(app.conf.broker_transport_options or {}),
                                             **extra}
    app.worker_main(argv)


if __name__ == "__main__":
    _run_worker(sys.argv[1:])


class WebServer(Worker):
    """The web process as deployed: gunicorn with ``deploy/gunicorn.conf.py``, bound to a
    free loopback port, in its own process (stopped as a worker is). ``start_web``
    returns it once it answers."""

    def __init__(self, proc: subprocess.Popen, port: int, log: Path, handle):
        super().__init__("gunicorn", proc, log, handle)
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start_web(*, log: Path, env: dict, workers: int = 1, timeout: float = 60.0) -> WebServer:
    import urllib.request

    port = free_port()
    full_env = dict(os.environ, PYTHONUNBUFFERED="1", GUNICORN_BIND=f"127.0.0.1:{port}",
                    WEB_CONCURRENCY=str(workers), **env)
    for name in ("CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL"):
        full_env.pop(name, None)
    handle = Path(log).open("w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT, env=full_env, stdout=handle, stderr=subprocess.STDOUT)
    server = WebServer(proc, port, Path(log), handle)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"gunicorn did not start\n{server.tail()}")
        time.sleep(0.2)
