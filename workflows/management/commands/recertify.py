"""``manage.py recertify --year YYYY``: the yearly re-certification of live entitlements.

Thin on purpose: the run lives in ``workflows.recertification.recertify`` (also behind
the Celery task ``recertify_year``). Interrupt it at any point (Ctrl-C, a lost
connection) and run the same command again: it resumes after the last committed chunk
and opens no review twice.
"""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from casework.models import RecertificationRun
from casework.register.bulk_facts import DEFAULT_CHUNK, due_entitlements
from workflows.recertification.flow import recertification_date, recertify


class Command(BaseCommand):
    help = ("Re-check every live entitlement against the year's rules (in force on 1 January "
            "of the year) and open a village review for each that no longer qualifies. "
            "Streams the register in chunks; resumable and idempotent.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="the policy year")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK,
                            help=f"entitlements per chunk and transaction "
                                 f"(default {DEFAULT_CHUNK})")
        parser.add_argument("--restart", action="store_true",
                            help="start the year's run over from the first entitlement "
                                 "(reviews already opened for the year are kept and not "
                                 "opened again)")
        bar = parser.add_mutually_exclusive_group()
        bar.add_argument("--progress", dest="progress", action="store_true", default=None,
                         help="show the progress bar even when stderr is not a terminal")
        bar.add_argument("--no-progress", dest="progress", action="store_false",
                         help="never show the progress bar")

    def handle(self, *args, year: int, chunk_size: int, restart: bool, progress: bool | None,
               **options) -> None:
        if not 2000 <= year <= 2100:
            raise CommandError("--year must be a year such as 2026")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        existing = RecertificationRun.objects.filter(year=year).first()
        if existing is not None and existing.finished_at is not None and not restart:
            finished = timezone.localtime(existing.finished_at)
            self.stdout.write(f"The {year} re-certification finished at "
                              f"{finished:%Y-%m-%d %H:%M}: {self._counts(existing)}. "
                              "Use --restart to run it again.")
            return
        resuming = existing is not None and not restart
        done = existing.processed if resuming else 0
        left = due_entitlements(recertification_date(year),
                                after_id=existing.last_entitlement_id if resuming else 0)
        started = time.monotonic()
        # the bar goes to stderr; tqdm turns it off when stderr is not a terminal
        # (disable=None) unless --progress asks for it
        with tqdm(total=done + left, initial=done, unit=" entitlements", unit_scale=True,
                  dynamic_ncols=True, mininterval=0.5, desc=f"recertify {year}",
                  disable=None if progress is None else not progress) as bar:
            run = recertify(year=year, chunk_size=chunk_size, restart=restart,
                            progress=bar.update)
        seconds = time.monotonic() - started
        checked = run.processed - done
        rate = f", {checked / seconds:,.0f}/s" if seconds > 0 and checked else ""
        self.stdout.write(f"re-certification {year} (rules as of {recertification_date(year)}): "
                          f"{self._counts(run)}; this run checked {checked} in "
                          f"{seconds:.1f} s{rate}")

    @staticmethod
    def _counts(run: RecertificationRun) -> str:
        return (f"{run.processed} checked, {run.flagged} reviews opened, "
                f"{run.skipped} failing but already under review")
