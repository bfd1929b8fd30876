"""``manage.py purge_personal_data [--dry-run]``: remove the personal data of withdrawn and
rejected cases kept past their program's ``retention_years`` (``casework.privacy.retention``)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from casework.privacy.retention import Due, purge_due


def _line(item: Due) -> str:
    return (f"case {item.case_id} ({item.program}, {item.status} on "
            f"{item.closed_on.isoformat()}, kept {item.retention_years} years until "
            f"{item.kept_until.isoformat()})")


class Command(BaseCommand):
    help = ("Remove the personal data (statement, facts snapshot, pre-check details, "
            "documents, objections, phone numbers) of withdrawn and rejected cases closed "
            "more than the program's retention_years ago. The case history stays intact "
            "and records the purge.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="list the cases that would be purged; change nothing")
        parser.add_argument("--today", help="the date to count from (YYYY-MM-DD); "
                                            "default: today")

    def handle(self, *args, dry_run=False, today=None, **options):
        try:
            on = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from None
        report = purge_due(today=on, dry_run=dry_run)
        if report.no_rule:
            self.stdout.write(f"{len(report.no_rule)} closed cases kept: their program had no "
                              f"retention_years in force when they closed "
                              f"(cases {', '.join(map(str, report.no_rule[:20]))}"
                              f"{', ...' if len(report.no_rule) > 20 else ''})")
        if dry_run:
            for item in report.due:
                self.stdout.write(f"would purge {_line(item)}")
            self.stdout.write(f"{len(report.due)} cases would be purged (dry run: nothing "
                              f"changed)")
            return
        for item, purged in report.purged:
            removed = ", ".join(f"{k}={v}" for k, v in purged.as_detail().items())
            self.stdout.write(f"purged {_line(item)}: {removed}")
        self.stdout.write(f"{len(report.purged)} cases purged")
