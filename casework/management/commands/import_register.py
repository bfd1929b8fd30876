"""Import households from a village's Excel workbook (casework.register.excel), as a user.

    manage.py import_register village.xlsx --user cun-secretary [--dry-run]

The same checks as the import page, scoped to the user's area: every problem is listed
(sheet, row, column, reason) and nothing is imported unless there are none; then the
whole file goes in one transaction. ``--dry-run`` only checks. The change log names no
user for a command (it is the system's), so the user named here is only for the scope
and the payments' recorder.
"""

from django.core.management.base import BaseCommand, CommandError

from casework.models import User
from casework.register import excel as register_io


class Command(BaseCommand):
    help = "Check, then import, households from an Excel workbook (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the workbook (.xlsx)")
        parser.add_argument("--user", required=True,
                            help="user name of the village staff member importing it")
        parser.add_argument("--dry-run", action="store_true",
                            help="only check the file: list its problems, import nothing")

    def handle(self, path, user, dry_run=False, **options):
        try:
            actor = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"no user {user!r}") from None
        if not register_io.may_import(actor):
            raise CommandError(f"{user} does not keep a village register")
        try:
            with open(path, "rb") as handle:
                if dry_run:
                    plan = register_io.check_workbook(actor, handle)
                else:
                    plan = register_io.import_workbook(actor, handle)
        except (OSError, register_io.WorkbookRefused) as exc:
            raise CommandError(str(exc)) from None
        for error in plan.errors:
            self.stdout.write("\t".join(str(v) for v in error.as_tuple()))
        if plan.errors:
            raise CommandError(f"{len(plan.errors)} problem(s): nothing was imported")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(plan.counts.items()))
        self.stdout.write(("checked, no problems: " if dry_run else "imported: ") + counts)
