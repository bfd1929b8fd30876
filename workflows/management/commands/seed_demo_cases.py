"""Put a few applications through the real services, so the demo has cases to show.

``seed_demo`` builds the register (areas, households, accounts); this command then files
applications for the hand-written demo families and moves them along as their reviewers
would: one granted, one returned to the family, one in its public notice, one rejected
and appealed, one waiting at village review. The inboxes, the family pages, the reports
and the auditor's workspace then have something in them.

Idempotent: it does nothing when any case exists (a second ``make run`` keeps the state
the first one left, and whatever was done in the demo since).
"""

from django.core.management.base import BaseCommand
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.models import Case, Person, User
from eligibility.models import Program
from workflows.appeals import flow as appeals
from workflows.applications import services


def _open_task(case: Case) -> int:
    return Task.objects.filter(process__case=case.pk, flow_task_type="HUMAN",
                               status=STATUS.NEW).values_list("pk", flat=True).get()


class Command(BaseCommand):
    help = "File and move along a few demo applications (after seed_demo; idempotent)."

    def handle(self, *args, **options) -> None:
        if Case.objects.exists():
            self.stdout.write("seed_demo_cases: cases exist, nothing to do")
            return
        users = User.objects.in_bulk(
            ["family_xing", "family_lou", "family_dongshan", "village_xing",
             "village_dongshan", "township_yuandong", "township_duohu"],
            field_name="username")
        if len(users) < 7:
            self.stderr.write("seed_demo_cases: run seed_demo first (demo accounts missing)")
            return
        programs = {p.code: p for p in Program.objects.all()}

        def apply(family: str, program: str, *, member: int = 0, statement: str = "") -> Case:
            account = users[family]
            household = account.household
            applicant = Person.objects.filter(household=household).order_by("pk")[member]
            return services.submit_application(
                actor=account, household=household, program=programs[program],
                applicant=applicant, statement=statement)

        def decide(reviewer: str, case: Case, decision: str = "approve", reason: str = ""):
            return services.decide(actor=users[reviewer], task_id=_open_task(case),
                                   decision=decision, reason=reason)

        # granted: the medical-fee discount card, approved by the village and the township
        granted = apply("family_xing", "medical_discount",
                        statement="独生子女父母，申请医疗优惠证。")
        decide("village_xing", granted)
        decide("township_yuandong", granted)
        # returned to the family for a document, waiting for it to resubmit
        returned = apply("family_xing", "health_check", member=1)
        decide("village_xing", returned, "return", "请上传户口簿复印件。")
        # a cash benefit in its public notice
        notice = apply("family_lou", "welfare_grant", statement="独生子女去世，家庭困难。")
        decide("village_xing", notice)
        # rejected by the village, appealed by the family: the township reviews the appeal
        rejected = apply("family_lou", "medical_discount", member=1)
        rejected = decide("village_xing", rejected, "reject", "未提供独生子女父母光荣证。")
        appeals.lodge_appeal(actor=users["family_lou"], case=rejected,
                             grounds="光荣证已遗失，乡计生办有登记存档，请复核。")
        # waiting at village review in the other township
        apply("family_dongshan", "medical_discount")
        apply("family_dongshan", "health_check", member=1)
        self.stdout.write(f"seed_demo_cases: {Case.objects.count()} cases filed and moved on")
