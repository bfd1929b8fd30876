
from casework.models import CaseStatus
from tests.support.journey import open_task
from workflows.applications import services


def test_medical_discount_lifecycle(programs, family_home, staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    assert case.status == CaseStatus.VILLAGE_REVIEW
    services.decide(actor=staff["village"], task_id=open_task(case).pk, decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.TOWNSHIP_REVIEW
    services.decide(actor=staff["township"], task_id=open_task(case).pk, decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    assert case.entitlement.valid_to.year == case.entitlement.valid_from.year + 3
