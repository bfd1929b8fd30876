"""``manage.py verify_audit``: is every case's history intact? Exit status 1 if not."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from casework.history.verification import seal_checkpoint, verify_all, verify_case
from casework.models import AuditEvent, Case


class Command(BaseCommand):
    help = ("Verify every case's history: its hash chain, the seal of its newest event, the "
            "signed checkpoints, and the rows it describes (status, decisions, entitlement); "
            "report intact, or per case the first broken event and each row that disagrees.")

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
                sealed_by = f", head sealed by {result.head_sealed_by}" if (
                    result.head_sealed_by) else ""
                self.stdout.write(f"case {case}: intact ({result.events} events{sealed_by})")
                return
            raise CommandError(f"case {case}: " + "; ".join(result.problems()))
        bar = tqdm(total=AuditEvent.objects.filter(case__isnull=False).count(), unit="event",
                   disable=no_progress, file=self.stderr)
        report = verify_all(progress=bar.update)
        bar.close()
        self.stdout.write(f"{report.cases} cases, {report.events} events, "
                          f"{report.checkpoints} checkpoints checked")
        for problem in report.bad_checkpoints:
            self.stdout.write(f"BROKEN {problem}")
        for found in report.broken:
            if found.broken is not None:
                self.stdout.write(f"BROKEN case {found.case_id} at event {found.broken.seq}: "
                                  f"{found.broken.reason}")
            for disagreement in found.disagreements:
                self.stdout.write(f"BROKEN case {found.case_id}: {disagreement}")
        if not report.intact:
            raise CommandError(f"{len(report.broken)} case histories and "
                               f"{len(report.bad_checkpoints)} checkpoints failed verification")
        self.stdout.write("intact")
        if seal:
            checkpoint = seal_checkpoint()
            self.stdout.write(f"sealed checkpoint {checkpoint.pk}: {checkpoint.size} chains, "
                              f"root {checkpoint.root}")
