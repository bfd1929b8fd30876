"""The life of an application through the REST API, as the family and the staff see it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS

from casework.models import Case, CaseStatus, Decision, Objection, OutboxMessage
from eligibility.grants import add_years
from eligibility.rules import CURRENT

from .conftest import end_notice, open_task, open_tasks, unique_birth

PATHS = {
    # program: [(reviewer key, status after approving)], the last one approves
    "medical_discount": [("village", "township_review"), ("township", "approved")],
    "pension_subsidy": [("village", "public_notice"), ("township", "district_review"),
                        ("district", "approved")],
    "welfare_grant": [("village", "public_notice"), ("township", "district_review"),
                      ("district", "approved")],
    "health_check": [("village", "approved")],
    "assistance_pairing": [("village", "township_review"), ("township", "approved")],
    "income_project": [("village", "township_review"), ("township", "approved")],
}
AMOUNT = {"medical_discount": "0.00", "pension_subsidy": "600.00", "welfare_grant": "3000.00",
          "health_check": "0.00", "assistance_pairing": "0.00", "income_project": "0.00"}
# years from the grant, or None: to the end of its calendar year
YEARS = {"medical_discount": 3, "pension_subsidy": None, "welfare_grant": None,
         "health_check": None, "assistance_pairing": 1, "income_project": 1}
STEP_OF_STATUS = {"village_review": "village_review", "township_review": "township_review",
                  "district_review": "district_review"}

# welfare grants are paid from the fund: give it this year's allocation
pytestmark = pytest.mark.usefixtures("welfare_fund")


def apply(client, home, program):
    body = {"household": home["household"].pk, "program": program,
            "applicant": home["applicant"].pk, "consent": True}
    if program == "income_project":  # names the project it applies to join
        from tests import factories as f

        body["project"] = f.project_for(home["household"]).pk
    return client.post("/api/v1/cases/", body, format="json")


def home_for(program, home):
    """The income project (少生快富) wants a working-age applicant; family_home's head is
    past it, so that program is applied for by a son who lives with his parents."""
    if program != "income_project":
        return home
    from tests import factories as f

    son = f.person(home["household"], name="王小军", birth=date(1986, 8, 14),
                   relationship="child")
    return {**home, "applicant": son}


def inbox_task(client, case_id):
    """The task of ``case_id`` in the caller's inbox (GET /tasks/), or None."""
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 200
    rows = [t for t in response.json()["results"] if t["case"] == case_id]
    assert len(rows) <= 1
    return rows[0] if rows else None


@pytest.mark.parametrize("program", list(PATHS))
def test_lifecycle_of_every_program(api, programs, family_home, staff, program):
    family = api(family_home["user"])
    home = home_for(program, family_home)
    response = apply(family, home, program)
    assert response.status_code == 201, response.content
    body = response.json()
    case_id = body["id"]
    assert body["status"] == "village_review"
    assert body["program"] == program
    assert body["eligibility"]["eligible"] is True
    assert body["eligibility"]["criteria"]
    assert body["eligibility"]["rule_version"] == CURRENT[program]  # the newest rules
    case = Case.objects.get(pk=case_id)

    status = "village_review"
    for reviewer, next_status in PATHS[program]:
        client = api(staff[reviewer])
        if status == "public_notice":
            # family and staff watch the notice; the beat task ends it
            assert family.get(f"/api/v1/cases/{case_id}/").json()["status"] == "public_notice"
            assert end_notice(case) == 1
            status = "township_review"
        task = inbox_task(client, case_id)
        assert task is not None, f"{reviewer} should see the {status} task"
        assert task["step"] == STEP_OF_STATUS[status]
        assert task["program"] == program
        assert task["area"] == family_home["household"].area_id
        response = client.post(f"/api/v1/tasks/{task['id']}/decision/",
                               {"decision": "approve"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == next_status
        assert inbox_task(client, case_id) is None
        status = next_status

    detail = family.get(f"/api/v1/cases/{case_id}/")
    assert detail.status_code == 200
    data = detail.json()
    assert data["status"] == "approved"
    assert data["closed_at"] is not None
    assert data["open_tasks"] == []
    assert [d["outcome"] for d in data["decisions"]] == ["approve"] * len(PATHS[program])
    today = timezone.localdate()
    ent = data["entitlement"]
    assert ent["program"] == program
    assert ent["state"] == "live"
    assert Case.objects.get(pk=case_id).applicant_id == home["applicant"].pk
    assert Decimal(ent["amount_yuan"]) == Decimal(AMOUNT[program])
    assert ent["valid_from"] == today.isoformat()
    if YEARS[program] is None:  # to the end of the grant's calendar year
        assert ent["valid_to"] == f"{today.year}-12-31"
    else:
        assert ent["valid_to"] == (add_years(today, YEARS[program]) - timedelta(days=1)
                                   ).isoformat()

    history = family.get(f"/api/v1/cases/{case_id}/history/")
    assert history.status_code == 200
    events = history.json()
    seqs = [e["seq"] for e in events]
    assert all(a < b for a, b in zip(seqs, seqs[1:], strict=False)), seqs
    acts = [e["action"] for e in events]
    assert acts[:2] == ["submitted", "eligibility_precheck"]
    assert acts[-1] == "granted"
    assert acts.count("decision_approve") == len(PATHS[program])
    assert events[0]["actor"] == family_home["user"].username
    assert events[-1]["to_status"] == "approved"
    if PATHS[program][0][1] == "public_notice":
        assert acts.index("public_notice_started") < acts.index("public_notice_ended")

    case.refresh_from_db()
    assert case.process.status == PROCESS.DONE
    outbox = list(OutboxMessage.objects.filter(case=case).values_list("template", flat=True))
    assert "case_submitted" in outbox and "case_approved" in outbox
    assert outbox.count("task_waiting") == len(PATHS[program])


def test_return_and_resubmit(api, programs, family_home, staff):
    family, village = api(family_home["user"]), api(staff["village"])
    case_id = apply(family, family_home, "medical_discount").json()["id"]
    task = inbox_task(village, case_id)

    response = village.post(f"/api/v1/tasks/{task['id']}/decision/", {"decision": "return"},
                            format="json")
    assert response.status_code == 400
    assert "reason" in response.json()

    response = village.post(f"/api/v1/tasks/{task['id']}/decision/",
                            {"decision": "return", "reason": "请补交证明"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    revision = inbox_task(family, case_id)
    assert revision is not None and revision["step"] == "family_revision"
    assert revision["action"] == "resubmit"  # not a decision: POST /cases/{id}/resubmit/
    assert inbox_task(village, case_id)["action"] == "resubmit"  # staff may act for them
    detail = family.get(f"/api/v1/cases/{case_id}/").json()
    assert [t["step"] for t in detail["open_tasks"]] == ["family_revision"]
    assert detail["decisions"][0]["reason"] == "请补交证明"

    response = family.post(f"/api/v1/cases/{case_id}/resubmit/", {"statement": "已补交"},
                           format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "village_review"
    assert response.json()["statement"] == "已补交"
    assert inbox_task(family, case_id) is None
    assert inbox_task(village, case_id)["step"] == "village_review"
    assert inbox_task(village, case_id)["action"] == "decide"

    # nothing to resubmit any more
    response = family.post(f"/api/v1/cases/{case_id}/resubmit/", {}, format="json")
    assert response.status_code == 409
    acts = [e["action"] for e in family.get(f"/api/v1/cases/{case_id}/history/").json()]
    assert acts.count("resubmitted") == 1
    assert acts.count("enter_village_review") == 2


def test_withdraw(api, programs, family_home, staff):
    family = api(family_home["user"])
    case_id = apply(family, family_home, "pension_subsidy").json()["id"]
    for who in ("auditor", "township"):
        response = api(staff[who]).post(f"/api/v1/cases/{case_id}/withdraw/", {},
                                        format="json")
        assert response.status_code == 403
    response = api(staff["village_other"]).post(f"/api/v1/cases/{case_id}/withdraw/", {},
                                                format="json")
    assert response.status_code == 404

    response = family.post(f"/api/v1/cases/{case_id}/withdraw/", {"reason": "不需要了"},
                           format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    case = Case.objects.get(pk=case_id)
    assert case.process.status == PROCESS.CANCELED
    assert open_tasks(case) == []
    assert family.get(f"/api/v1/cases/{case_id}/").json()["open_tasks"] == []
    assert inbox_task(api(staff["village"]), case_id) is None

    response = family.post(f"/api/v1/cases/{case_id}/withdraw/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"]
    history = family.get(f"/api/v1/cases/{case_id}/history/").json()
    assert history[-1]["action"] == "withdrawn"
    assert [e["action"] for e in history].count("withdrawn") == 1


def test_reject_with_reason_and_decisions_on_closed_or_foreign_tasks(api, programs,
                                                                     family_home, staff):
    family, village = api(family_home["user"]), api(staff["village"])
    case_id = apply(family, family_home, "medical_discount").json()["id"]
    task_id = inbox_task(village, case_id)["id"]

    response = village.post(f"/api/v1/tasks/{task_id}/decision/", {"decision": "reject"},
                            format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = village.post(f"/api/v1/tasks/{task_id}/decision/",
                            {"decision": "reject", "reason": "   "}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    response = village.post(f"/api/v1/tasks/{task_id}/decision/", {"decision": "perhaps"},
                            format="json")
    assert response.status_code == 400
    assert "decision" in response.json()

    # outside the caller's scope: not found, and nothing recorded
    for key in ("village_other", "township", "district"):
        response = api(staff[key]).post(f"/api/v1/tasks/{task_id}/decision/",
                                        {"decision": "approve"}, format="json")
        assert response.status_code == 404, key
    response = family.post(f"/api/v1/tasks/{task_id}/decision/", {"decision": "approve"},
                           format="json")
    assert response.status_code == 404
    response = api(staff["auditor"]).post(f"/api/v1/tasks/{task_id}/decision/",
                                          {"decision": "approve"}, format="json")
    assert response.status_code == 403
    assert not Decision.objects.filter(case_id=case_id).exists()

    response = village.post(f"/api/v1/tasks/{task_id}/decision/",
                            {"decision": "reject", "reason": "不符合条件"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"

    response = village.post(f"/api/v1/tasks/{task_id}/decision/", {"decision": "approve"},
                            format="json")
    assert response.status_code == 409
    assert Decision.objects.filter(case_id=case_id).count() == 1
    detail = family.get(f"/api/v1/cases/{case_id}/").json()
    assert detail["status"] == "rejected"
    assert detail["entitlement"] is None
    assert detail["decisions"] == [
        {"step": "village_review", "outcome": "reject", "reason": "不符合条件",
         "actor": staff["village"].username, "decided_at": detail["decisions"][0]["decided_at"]}
    ]
    acts = [e["action"] for e in family.get(f"/api/v1/cases/{case_id}/history/").json()]
    assert acts[-2:] == ["decision_reject", "rejected"]


def test_decision_on_a_missing_task_is_404(api, staff):
    response = api(staff["village"]).post("/api/v1/tasks/99999999/decision/",
                                          {"decision": "approve"}, format="json")
    assert response.status_code == 404


def test_decision_on_a_withdrawn_cases_task_conflicts(api, programs, family_home, staff):
    family, village = api(family_home["user"]), api(staff["village"])
    case_id = apply(family, family_home, "medical_discount").json()["id"]
    task_id = inbox_task(village, case_id)["id"]
    assert family.post(f"/api/v1/cases/{case_id}/withdraw/", {}, format="json").status_code \
        == 200
    response = village.post(f"/api/v1/tasks/{task_id}/decision/", {"decision": "approve"},
                            format="json")
    assert response.status_code == 409
    assert Case.objects.get(pk=case_id).status == CaseStatus.WITHDRAWN


def _to_notice(api, family_home, staff, program="pension_subsidy"):
    family, village = api(family_home["user"]), api(staff["village"])
    case_id = apply(family, family_home, program).json()["id"]
    task_id = inbox_task(village, case_id)["id"]
    response = village.post(f"/api/v1/tasks/{task_id}/decision/", {"decision": "approve"},
                            format="json")
    assert response.json()["status"] == "public_notice"
    return case_id


def test_objection_during_notice_then_dismissed(api, programs, family_home, staff):
    village = api(staff["village"])
    family = api(family_home["user"])
    case_id = apply(family, family_home, "pension_subsidy").json()["id"]

    # before the notice: refused
    response = village.post(f"/api/v1/cases/{case_id}/objections/",
                            {"lodged_by_name": "邻居", "text": "情况不实"}, format="json")
    assert response.status_code == 409
    task_id = inbox_task(village, case_id)["id"]
    village.post(f"/api/v1/tasks/{task_id}/decision/", {"decision": "approve"}, format="json")

    response = village.post(f"/api/v1/cases/{case_id}/objections/", {"lodged_by_name": "邻居"},
                            format="json")
    assert response.status_code == 400 and "text" in response.json()
    response = api(staff["auditor"]).post(f"/api/v1/cases/{case_id}/objections/",
                                          {"lodged_by_name": "x", "text": "y"}, format="json")
    assert response.status_code == 403
    response = api(staff["village_other"]).post(f"/api/v1/cases/{case_id}/objections/",
                                                {"lodged_by_name": "x", "text": "y"},
                                                format="json")
    assert response.status_code == 404

    response = village.post(f"/api/v1/cases/{case_id}/objections/",
                            {"lodged_by_name": "邻居", "text": "情况不实"}, format="json")
    assert response.status_code == 201, response.content
    objection = response.json()
    assert objection["lodged_by_name"] == "邻居" and objection["resolved_at"] is None

    case = Case.objects.get(pk=case_id)
    assert end_notice(case) == 1
    detail = family.get(f"/api/v1/cases/{case_id}/").json()
    assert detail["status"] == "public_notice"
    assert [t["step"] for t in detail["open_tasks"]] == ["objection_review"]
    task = inbox_task(village, case_id)
    assert task["step"] == "objection_review"
    assert inbox_task(api(staff["township"]), case_id) is None

    response = village.post(f"/api/v1/tasks/{task['id']}/decision/",
                            {"decision": "approve", "reason": "异议不成立"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "township_review"
    obj = Objection.objects.get(pk=objection["id"])
    assert obj.upheld is False and obj.resolved_at is not None
    detail = family.get(f"/api/v1/cases/{case_id}/").json()
    assert detail["objections"][0]["upheld"] is False
    assert inbox_task(api(staff["township"]), case_id)["step"] == "township_review"

    # the notice is over: objections are refused again
    response = village.post(f"/api/v1/cases/{case_id}/objections/",
                            {"lodged_by_name": "x", "text": "y"}, format="json")
    assert response.status_code == 409


def test_objection_upheld_rejects(api, programs, family_home, staff):
    case_id = _to_notice(api, family_home, staff, "welfare_grant")
    village = api(staff["village"])
    response = village.post(f"/api/v1/cases/{case_id}/objections/",
                            {"lodged_by_name": "村民", "text": "收入不实"}, format="json")
    assert response.status_code == 201
    end_notice(Case.objects.get(pk=case_id))
    task = inbox_task(village, case_id)
    response = village.post(f"/api/v1/tasks/{task['id']}/decision/",
                            {"decision": "reject", "reason": "异议成立"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert Objection.objects.get(case_id=case_id).upheld is True
    assert open_tasks(Case.objects.get(pk=case_id)) == []


def test_notice_without_objection_goes_straight_to_township(api, programs, family_home,
                                                            staff):
    case_id = _to_notice(api, family_home, staff)
    end_notice(Case.objects.get(pk=case_id))
    detail = api(family_home["user"]).get(f"/api/v1/cases/{case_id}/").json()
    assert detail["status"] == "township_review"
    assert [t["step"] for t in detail["open_tasks"]] == ["township_review"]


def test_duplicate_application_is_422(api, programs, family_home, staff):
    family = api(family_home["user"])
    assert apply(family, family_home, "pension_subsidy").status_code == 201
    response = apply(family, family_home, "pension_subsidy")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "duplicate"
    assert "program" in body
    first = Case.objects.get(applicant=family_home["applicant"])
    assert f"本人的申请#{first.pk}正在办理" in body["detail"]  # names the open application
    # the village staff filing on the family's behalf hits the same wall
    response = apply(api(staff["village"]), family_home, "pension_subsidy")
    assert response.status_code == 422
    assert Case.objects.filter(applicant=family_home["applicant"]).count() == 1


def test_duplicate_message_follows_the_callers_language(api, programs, family_home):
    family = api(family_home["user"])
    apply(family, family_home, "medical_discount")
    response = family.post("/api/v1/cases/", {"household": family_home["household"].pk,
                                              "program": "medical_discount",
                                              "applicant": family_home["applicant"].pk,
                                              "consent": True},
                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "open" in response.json()["detail"].lower()


def test_bad_application_input(api, programs, family_home, areas, staff):
    from tests import factories as f

    family = api(family_home["user"])
    other = f.household(areas["v11"])
    stranger = f.person(other, birth=unique_birth())
    response = family.post("/api/v1/cases/", {"household": other.pk, "program": "health_check",
                                              "applicant": stranger.pk, "consent": True},
                           format="json")
    assert response.status_code == 400 and "household" in response.json()
    response = family.post("/api/v1/cases/", {"household": family_home["household"].pk,
                                              "program": "no_such", "applicant":
                                              family_home["applicant"].pk, "consent": True},
                           format="json")
    assert response.status_code == 400 and "program" in response.json()
    response = family.post("/api/v1/cases/", {"household": family_home["household"].pk,
                                              "program": "health_check",
                                              "applicant": stranger.pk, "consent": True},
                           format="json")
    assert response.status_code == 400 and "applicant" in response.json()
    response = family.post("/api/v1/cases/", {"program": "health_check"}, format="json")
    assert response.status_code == 400 and "household" in response.json()
    response = family.post("/api/v1/cases/", {"household": family_home["household"].pk,
                                              "program": "health_check",
                                              "applicant": family_home["applicant"].pk,
                                              "consent": False}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["consent"]
    assert not Case.objects.exists()


def test_staff_files_on_behalf_but_auditor_and_approvers_cannot(api, programs, family_home,
                                                                staff):
    for who in ("auditor", "township", "district"):
        response = apply(api(staff[who]), family_home, "health_check")
        assert response.status_code == 403, who
    response = apply(api(staff["village"]), family_home, "health_check")
    assert response.status_code == 201
    assert response.json()["on_behalf"] is True


def test_document_upload(api, programs, family_home, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    family = api(family_home["user"])
    case_id = apply(family, family_home, "medical_discount").json()["id"]
    upload = SimpleUploadedFile("cert.jpg", b"\xff\xd8\xff\xe0 fake", content_type="image/jpeg")
    response = family.post(f"/api/v1/cases/{case_id}/documents/",
                           {"kind": "certificate", "file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    detail = family.get(f"/api/v1/cases/{case_id}/").json()
    assert [d["kind"] for d in detail["documents"]] == ["certificate"]
    acts = [e["action"] for e in family.get(f"/api/v1/cases/{case_id}/history/").json()]
    assert acts[-1] == "document_added"
    upload = SimpleUploadedFile("x.jpg", b"x", content_type="image/jpeg")
    response = api(staff["auditor"]).post(f"/api/v1/cases/{case_id}/documents/",
                                          {"kind": "x", "file": upload}, format="multipart")
    assert response.status_code == 403


def test_document_upload_checks_the_content_not_the_name(api, programs, family_home,
                                                        settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    family = api(family_home["user"])
    case_id = apply(family, family_home, "medical_discount").json()["id"]
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = family.post(f"/api/v1/cases/{case_id}/documents/",
                           {"kind": "certificate", "file": fake}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()
    pdf = SimpleUploadedFile("scan.bin", b"%PDF-1.7 ...", content_type="application/octet-stream")
    response = family.post(f"/api/v1/cases/{case_id}/documents/",
                           {"kind": "certificate", "file": pdf}, format="multipart")
    assert response.status_code == 201
    assert len(list(tmp_path.rglob("*"))) >= 1


def test_a_document_over_the_limit_is_refused_naming_the_limit(api, programs, family_home,
                                                               settings, tmp_path):
    from casework import uploads

    settings.MEDIA_ROOT = tmp_path
    family = api(family_home["user"])
    case_id = apply(family, family_home, "medical_discount").json()["id"]
    twelve_mb = b"\xff\xd8\xff" + b"0" * (uploads.MAX_UPLOAD_BYTES + 2 * 1024 * 1024)
    big = SimpleUploadedFile("scan.jpg", twelve_mb, content_type="image/jpeg")
    response = family.post(f"/api/v1/cases/{case_id}/documents/",
                           {"kind": "certificate", "file": big}, format="multipart",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert "limit of 10 MB" in message and "The file is 12 MB" in message
    assert not list(tmp_path.rglob("*.jpg"))  # nothing stored


def test_case_list_filters(api, programs, family_home, staff):
    family = api(family_home["user"])
    apply(family, family_home, "medical_discount")
    apply(family, family_home, "health_check")
    client = api(staff["district"])
    rows = client.get("/api/v1/cases/?program=health_check").json()["results"]
    assert [r["program"] for r in rows] == ["health_check"]
    rows = client.get("/api/v1/cases/?status=village_review").json()["results"]
    assert len(rows) == 2
    rows = client.get("/api/v1/cases/?status=approved").json()["results"]
    assert rows == []
    rows = client.get(f"/api/v1/cases/?area={family_home['household'].area_id[:9]}").json()
    assert len(rows["results"]) == 2


def test_open_task_ids_in_detail_match_the_inbox(api, programs, family_home, staff):
    family = api(family_home["user"])
    case_id = apply(family, family_home, "medical_discount").json()["id"]
    detail = api(staff["village"]).get(f"/api/v1/cases/{case_id}/").json()
    assert [t["id"] for t in detail["open_tasks"]] == [open_task(Case.objects.get(
        pk=case_id)).pk]
    assert Task.objects.get(pk=detail["open_tasks"][0]["id"]).flow_task_type == "HUMAN"
