"""SMS backends for tests whose messages are sent by a worker in another process.

``GatewaySmsBackend`` models the outside world's side of the contract: an SMS gateway
that de-duplicates by the idempotency key it is given (the outbox id). Every call is
recorded as JSON lines in the file named by ``TEST_SMS_RECORD``, so the test process can
count what a separate worker process sent:

- ``started``: the worker called ``send`` for this id;
- ``accepted``: the gateway took the message (the family gets an SMS);
- ``duplicate``: the gateway had already accepted this id and dropped the request;
- ``sleeping``: the backend is about to sleep (see below), a marker to poll for.

``TEST_SMS_SLEEP=<phase>:<seconds>`` makes the *first* attempt for each message id sleep
inside ``send``: ``before`` the gateway accepts (a crash then loses the request) or
``after`` it accepted (a crash then loses the answer, and the worker sends again). Later
attempts for the same id never sleep, so a redelivery completes.

A file lock serialises the check-and-record across processes.
"""

import fcntl
import json
import os
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from workflows.notifications.sms import SmsBackend

RECORD_ENV = "TEST_SMS_RECORD"
SLEEP_ENV = "TEST_SMS_SLEEP"


def read_records(path) -> list[dict]:
    """Every line the backend wrote to ``path`` (an empty list before the first send)."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def count(path, event: str) -> Counter:
    """How many ``event`` lines each message id has, e.g. ``count(p, "accepted")``."""
    return Counter(r["id"] for r in read_records(path) if r["event"] == event)


def _current_task_id() -> str | None:
    from celery import current_task

    return getattr(getattr(current_task, "request", None), "id", None)


class GatewaySmsBackend(SmsBackend):
    """A gateway that accepts each idempotency key once; see the module docstring."""

    def __init__(self):
        self.path = Path(os.environ[RECORD_ENV])
        phase, _, seconds = os.environ.get(SLEEP_ENV, "").partition(":")
        if phase not in ("", "before", "after"):
            raise ValueError(f"{SLEEP_ENV}={os.environ[SLEEP_ENV]!r}: phase is before or after")
        self.sleep_phase = phase
        self.sleep_seconds = float(seconds or 0)

    @contextmanager
    def _locked(self):
        with open(f"{self.path}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, event: str, message_id: int, **extra) -> None:
        line = {"event": event, "id": message_id, "pid": os.getpid(),
                "task": _current_task_id(), "at": time.time(), **extra}
        with open(self.path, "a") as out:
            out.write(json.dumps(line) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def _maybe_sleep(self, phase: str, message_id: int, first_attempt: bool) -> None:
        if first_attempt and self.sleep_phase == phase and self.sleep_seconds:
            with self._locked():
                self._write("sleeping", message_id, phase=phase)
            time.sleep(self.sleep_seconds)

    def send(self, *, to: str, text: str, message_id: int) -> None:
        with self._locked():
            first_attempt = not count(self.path, "started")[message_id]
            self._write("started", message_id, to=to)
        self._maybe_sleep("before", message_id, first_attempt)
        with self._locked():
            already = count(self.path, "accepted")[message_id]
            self._write("duplicate" if already else "accepted", message_id, to=to, text=text)
        self._maybe_sleep("after", message_id, first_attempt)
