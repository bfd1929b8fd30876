"""``manage.py verify_audit``: is every case's history intact? Exit status 1 if not."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from casework.models import AuditEvent, Case
from casework.verification import seal_checkpoint, verify_all, verify_case


class Command(BaseCommand):
    help = ("Verify the hash chain of every case's history against the case rows and the "
            "signed checkpoints; report intact or the first broken event of each case.")

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, help="verify one case only")
        parser.add_argument("--seal", action="store_true",
                            help="seal a new signed checkpoint after a clean verification")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, case=None, seal=False, no_progress=False, **options):
        if case is not None:
            found = Case.objects.filter(pk=case).first()
            if found is None:
                raise CommandError(f"No case {case}.")
            result = verify_case(found)
            if result.intact:
                self.stdout.write(f"case {case}: intact ({result.events} events)")
                return
            raise CommandError(f"case {case}: broken at event {result.broken.seq}: "
                               f"{result.broken.reason}")
        bar = tqdm(total=AuditEvent.objects.filter(case__isnull=False).count(), unit="event",
                   disable=no_progress, file=self.stderr)
        report = verify_all(progress=bar.update)
        bar.close()
        self.stdout.write(f"{report.cases} cases, {report.events} events, "
                          f"{report.checkpoints} checkpoints checked")
        for problem in report.bad_checkpoints:
            self.stdout.write(f"BROKEN {problem}")
        for broken in report.broken:
            self.stdout.write(f"BROKEN case {broken.case_id} at event {broken.broken.seq}: "
                              f"{broken.broken.reason}")
        if not report.intact:
            raise CommandError(f"{len(report.broken)} case histories and "
                               f"{len(report.bad_checkpoints)} checkpoints failed verification")
        self.stdout.write("intact")
        if seal:
            checkpoint = seal_checkpoint()
            self.stdout.write(f"sealed checkpoint {checkpoint.pk}: {checkpoint.size} chains, "
                              f"root {checkpoint.root}")
