"""Yearly re-certification: failing entitlements open a village review, nothing twice,
an interrupted run resumes where it stopped, the village continues or ends each one."""

import io
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import (
    AuditEvent,
    Entitlement,
    Household,
    Membership,
    OutboxMessage,
    RecertificationRun,
)
from casework.register.bulk_facts import iter_entitlement_facts
from casework.register.facts import build_facts
from eligibility.models import PolicyParameter
from tests import factories as f
from workflows.models import Recertification
from workflows.recertification import flow as recert
from workflows.recertification.flow import RecertificationFlow, decide_review, recertify

YEAR = 2026
ON = date(YEAR, 1, 1)
OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def change_parameter(program, key, value, since):
    """A new dated value: the old period ends the day before (periods never overlap)."""
    PolicyParameter.objects.filter(program=program, key=key, effective_to__isnull=True).update(
        effective_to=since - timedelta(days=1))
    PolicyParameter.objects.create(program=program, key=key, value=value, effective_from=since,
                                   source_document="test: changed")


@pytest.fixture
def register(programs, areas, staff):
    """Live entitlements in two villages. From 2026 the pension's minimum age is 65, which
    two pensioners (63 and 62 on 1 January) no longer reach; a medical-card holder left
    the association in 2025. Everyone else still qualifies."""
    change_parameter(programs["pension_subsidy"], "min_age", 65, ON)
    births = iter(date(1950, 1, 1) + timedelta(days=37 * i) for i in range(1000))

    def pensioner(village, age):
        hh = f.household(areas[village], second_birth_renounced_date=date(1988, 5, 5))
        birth = next(births).replace(year=YEAR - age - 1)
        person = f.person(hh, name=f"老人{age}", birth=birth)
        return f.entitlement(person, programs["pension_subsidy"], valid_from=date(2025, 3, 1),
                             valid_to=date(2027, 2, 28), amount_yuan=600)

    def card_holder(village, *, left=None):
        person = f.person(f.household(areas[village]), name="持卡人", birth=next(births))
        if left:
            Membership.objects.filter(person=person).update(left=left)
        return f.entitlement(person, programs["medical_discount"])

    kept = [pensioner("v11", 70), card_holder("v11"), pensioner("v12", 66),
            card_holder("v21"), pensioner("v11", 80), card_holder("v22")]
    flagged_v11 = [pensioner("v11", 63), card_holder("v11", left=date(2025, 6, 30))]
    flagged_v21 = [pensioner("v21", 62)]
    # not due this year: already ended, and granted in 2026 (decided under 2026 rules)
    untouched = [card_holder("v11", left=date(2025, 1, 1))]
    Entitlement.objects.filter(pk=untouched[0].pk).update(state="ended")
    late = pensioner("v11", 61)
    Entitlement.objects.filter(pk=late.pk).update(valid_from=date(2026, 2, 1))
    return SimpleNamespace(kept=kept, flagged=flagged_v11 + flagged_v21,
                           flagged_v11=flagged_v11, flagged_v21=flagged_v21,
                           due=len(kept) + 3, staff=staff)


@pytest.fixture
def api(db):
    """``api(user)``: an API client authenticated as ``user``."""
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def review_task(entitlement):
    rc = Recertification.objects.get(entitlement=entitlement, year=YEAR)
    return Task.objects.get(process_id=rc.process_id, flow_task_type="HUMAN")


def test_failing_entitlements_get_a_village_review_and_nothing_else_changes(register):
    run = recertify(year=YEAR, chunk_size=2)
    assert run.finished_at is not None
    assert (run.processed, run.flagged, run.skipped) == (register.due, 3, 0)
    assert run.rules["pension_subsidy"]["parameters"]["min_age"] == 65

    reviews = Recertification.objects.order_by("entitlement_id")
    assert [r.entitlement_id for r in reviews] == sorted(e.pk for e in register.flagged)
    for rc in reviews:
        entitlement = rc.entitlement
        assert (rc.year, rc.on, rc.eligible, rc.outcome) == (YEAR, ON, False, "pending")
        assert rc.case_id == entitlement.case_id and rc.area_id == entitlement.area_id
        failed = [c["code"] for c in rc.decision["criteria"] if not c["passed"]]
        assert failed == (["min_age"] if entitlement.program.code == "pension_subsidy"
                          else ["active_member"])
        assert "no_duplicate" not in failed  # the entitlement is not its own duplicate
        assert rc.facts["applicant"]["person_id"] == entitlement.person_id
        # a RecertificationFlow process waiting at the village review, scoped to the village
        process = rc.process
        assert process.flow_class is RecertificationFlow and process.status == PROCESS.NEW
        [task] = Task.objects.filter(process=process, flow_task_type="HUMAN")
        assert task.flow_task.name == "recertification_review"
        assert task.status == STATUS.NEW
        assert task.owner_permission == "village_reviewer"
        assert task.owner_permission_obj_pk == entitlement.area_id
        # the granting case's history says so, and the family is told
        event = AuditEvent.objects.get(case_id=rc.case_id, action="recertification_flagged")
        assert event.detail["year"] == YEAR and event.detail["task"] == task.pk
        assert event.detail["failed"] == failed
        templates = set(OutboxMessage.objects.filter(case_id=rc.case_id).values_list(
            "channel", "template"))
        assert templates == {("sms", "recertification_flagged"),
                             ("inapp", "recertification_flagged"), ("inapp", "task_waiting")}
    # nothing is cut off: every entitlement is still live, the passing ones untouched
    assert set(Entitlement.objects.filter(pk__in=[e.pk for e in register.kept + register.flagged])
               .values_list("state", flat=True)) == {"live"}
    assert not AuditEvent.objects.filter(case_id__in=[e.case_id for e in register.kept]).exists()


def test_recertification_facts_agree_with_build_facts(register):
    """What the run evaluates is build_facts' snapshot, less the entitlement itself."""
    rows = list(iter_entitlement_facts(ON, chunk_size=3, exclude_self=True))
    assert len(rows) == register.due
    for entitlement_id, code, facts in rows:
        entitlement = Entitlement.objects.get(pk=entitlement_id)
        household = Household.objects.select_related("area").get(
            pk=entitlement.person.household_id)
        expected = build_facts(household=household, applicant_id=entitlement.person_id,
                               program_code=code, on=ON)
        held = tuple(sorted(c for c in expected.live_entitlement_programs if c != code))
        # the bulk reader reads no unit holdings (Facts.unit_holdings): re-certification
        # does not ask the duplicate question of the entitlement it checks
        assert facts == replace(expected, live_entitlement_programs=held,
                                open_programs=tuple(sorted(expected.open_programs)),
                                unit_holdings=())


def test_a_rerun_opens_nothing_new(register):
    recertify(year=YEAR, chunk_size=2)
    counts = (Recertification.objects.count(), Process.objects.count(), Task.objects.count(),
              AuditEvent.objects.count(), OutboxMessage.objects.count())
    again = recertify(year=YEAR, chunk_size=2)  # finished: nothing to do
    assert again.processed == register.due
    restarted = recertify(year=YEAR, chunk_size=3, restart=True)  # re-checks everything
    assert (restarted.processed, restarted.flagged, restarted.skipped) == (register.due, 0, 3)
    assert counts == (Recertification.objects.count(), Process.objects.count(),
                      Task.objects.count(), AuditEvent.objects.count(),
                      OutboxMessage.objects.count())


def test_next_year_does_not_reopen_a_review_still_pending(register):
    recertify(year=YEAR)
    card = register.flagged_v11[1]
    decide_review(actor=register.staff["village"], task_id=review_task(card).pk,
                  decision="continue")
    run = recertify(year=YEAR + 1)
    # the continued card fails again and is reviewed again, and so is the pension granted
    # in February 2026 (due from 2027); the two pending reviews are not reopened
    assert (run.flagged, run.skipped) == (2, 2)
    assert Recertification.objects.get(entitlement=card, year=YEAR + 1).outcome == "pending"
    assert not Recertification.objects.filter(
        year=YEAR + 1, entitlement__in=[register.flagged_v11[0], *register.flagged_v21]).exists()


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_run_resumes_after_the_last_committed_chunk(register, monkeypatch):
    """A crash in the second chunk: the first stays committed (its reviews and the
    checkpoint), the second rolls back; the resumed run checks exactly the rest."""
    evaluated = []
    real_evaluate = recert.evaluate

    def crashing(facts, program, params, on, version=None):
        if len(evaluated) == 4:  # the first entitlement of the second chunk of four
            raise RuntimeError("worker killed")
        evaluated.append(facts.applicant.person_id)
        return real_evaluate(facts, program, params, on, version)

    monkeypatch.setattr(recert, "evaluate", crashing)
    with pytest.raises(RuntimeError):
        recertify(year=YEAR, chunk_size=4)
    run = RecertificationRun.objects.get(year=YEAR)
    first_chunk = list(Entitlement.objects.filter(state="live", valid_from__lt=ON)
                       .order_by("id").values_list("id", flat=True)[:4])
    assert (run.processed, run.last_entitlement_id, run.finished_at) == (4, first_chunk[-1],
                                                                         None)
    opened_before = set(Recertification.objects.values_list("entitlement_id", flat=True))
    assert opened_before == {e.pk for e in register.flagged if e.pk <= first_chunk[-1]}

    evaluated.clear()
    monkeypatch.setattr(recert, "evaluate", lambda *a, **k: (
        evaluated.append(a[0].applicant.person_id), real_evaluate(*a, **k))[1])
    run = recertify(year=YEAR, chunk_size=4)
    assert run.finished_at is not None
    assert run.processed == register.due
    assert len(evaluated) == register.due - 4  # exactly the rest
    assert sorted(Recertification.objects.values_list("entitlement_id", flat=True)) == sorted(
        e.pk for e in register.flagged)
    assert run.flagged == 3


def test_celery_task_continues_in_a_new_task_when_its_time_is_up(register, monkeypatch):
    queued = []
    monkeypatch.setattr(recert.recertify_year, "apply_async",
                        lambda args, **kw: queued.append(args))
    monkeypatch.setattr(recert, "TASK_BUDGET_SECONDS", 0)
    result = recert.recertify_year.apply(args=(YEAR, 2)).get()
    assert result["finished"] is False and queued == [(YEAR, 2)]
    monkeypatch.setattr(recert, "TASK_BUDGET_SECONDS", 60)
    result = recert.recertify_year.apply(args=(YEAR, 2)).get()
    assert result == {"year": YEAR, "processed": register.due, "flagged": 3, "skipped": 0,
                      "finished": True}
    assert queued == [(YEAR, 2)]


def test_the_task_is_registered_for_the_worker():
    import workflows.tasks  # noqa: F401  (what the worker's autodiscovery imports)
    from config.celery import app

    assert "workflows.recertification.recertify_year" in app.tasks


def test_reviews_appear_in_the_village_inbox(register, api):
    recertify(year=YEAR)
    staff = register.staff
    rows = api(staff["village"]).get("/api/v1/tasks/").json()["results"]
    by_case = {row["case"]: row for row in rows}
    assert set(by_case) == {e.case_id for e in register.flagged_v11}
    for entitlement in register.flagged_v11:
        row = by_case[entitlement.case_id]
        assert row["step"] == "recertification_review"
        assert row["action"] == "recertify"
        assert row["program"] == entitlement.program.code
        assert row["area"] == entitlement.area_id
        assert row["applicant_name"] == entitlement.person.name
    other = api(staff["village_other"]).get("/api/v1/tasks/").json()["results"]
    assert [row["case"] for row in other] == [register.flagged_v21[0].case_id]
    assert api(staff["township"]).get("/api/v1/tasks/").json()["results"] == []


def test_reviewer_continues_an_entitlement(register, api):
    recertify(year=YEAR)
    entitlement = register.flagged_v11[0]
    task = review_task(entitlement)
    response = api(register.staff["village"]).post(
        f"/api/v1/tasks/{task.pk}/recertification/",
        {"decision": "continue", "reason": "已核实，维持"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "continued"
    rc = Recertification.objects.get(entitlement=entitlement)
    assert (rc.outcome, rc.decided_by, rc.reason) == ("continued", register.staff["village"],
                                                      "已核实，维持")
    entitlement.refresh_from_db()
    assert entitlement.state == "live" and entitlement.valid_to == date(2027, 2, 28)
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == register.staff["village"]
    assert Process.objects.get(pk=rc.process_id).status == PROCESS.DONE
    history = api(register.staff["village"]).get(
        f"/api/v1/cases/{entitlement.case_id}/history/").json()
    assert [e["action"] for e in history][-2:] == ["recertification_flagged",
                                                   "recertification_continued"]
    assert history[-1]["actor"] == register.staff["village"].username
    assert OutboxMessage.objects.filter(case_id=entitlement.case_id, channel="sms",
                                        template="recertification_continued").count() == 1
    # and it is no longer in the inbox
    rows = api(register.staff["village"]).get("/api/v1/tasks/").json()["results"]
    assert entitlement.case_id not in [row["case"] for row in rows]


def test_reviewer_ends_an_entitlement_with_a_reason(register, api):
    recertify(year=YEAR)
    entitlement = register.flagged_v11[1]
    task = review_task(entitlement)
    client = api(register.staff["village"])
    url = f"/api/v1/tasks/{task.pk}/recertification/"
    response = client.post(url, {"decision": "end"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    with pytest.raises(InvalidInput):
        decide_review(actor=register.staff["village"], task_id=task.pk, decision="end")
    response = client.post(url, {"decision": "end", "reason": "已退出计生协会"}, format="json")
    assert response.status_code == 200, response.content
    entitlement.refresh_from_db()
    assert entitlement.state == "ended"
    assert entitlement.valid_to <= date.today()
    event = AuditEvent.objects.get(case_id=entitlement.case_id, action="recertification_ended")
    assert event.detail["reason"] == "已退出计生协会" and event.actor == register.staff["village"]
    message = OutboxMessage.objects.get(case_id=entitlement.case_id, channel="sms",
                                        template="recertification_ended")
    assert message.payload["reason"] == "已退出计生协会"
    # decided once: a second decision is a conflict
    response = client.post(url, {"decision": "continue"}, format="json")
    assert response.status_code == 409
    with pytest.raises(CaseConflict):
        decide_review(actor=register.staff["village"], task_id=task.pk, decision="continue")


def test_only_the_villages_own_reviewers_may_decide(register, api, areas):
    recertify(year=YEAR)
    task = review_task(register.flagged_v11[0])
    url = f"/api/v1/tasks/{task.pk}/recertification/"
    body = {"decision": "end", "reason": "x"}
    staff = register.staff
    for user in (staff["village_other"], staff["township"], staff["district"]):
        with pytest.raises(Task.DoesNotExist):
            decide_review(actor=user, task_id=task.pk, decision="end", reason="x")
        assert api(user).post(url, body, format="json").status_code == 404
    with pytest.raises(NotPermitted):
        decide_review(actor=staff["auditor"], task_id=task.pk, decision="end", reason="x")
    assert api(staff["auditor"]).post(url, body, format="json").status_code == 403
    family = f.user("family", areas["v11"], household=register.flagged_v11[0].household)
    assert api(family).post(url, body, format="json").status_code == 404
    assert Recertification.objects.get(process_id=task.process_id).outcome == "pending"
    assert Entitlement.objects.get(pk=register.flagged_v11[0].pk).state == "live"


def test_an_application_task_is_not_decided_as_a_review(register, programs, areas, api):
    from workflows.applications import services

    hh = f.household(areas["v11"])
    applicant = f.person(hh, birth=date(1979, 9, 9))
    case = services.submit_application(actor=register.staff["village"], household=hh,
                                       program=programs["medical_discount"],
                                       applicant=applicant)
    task = Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN")
    with pytest.raises(CaseConflict):
        decide_review(actor=register.staff["village"], task_id=task.pk, decision="continue")
    # and a review task is refused by the application's decision endpoint
    recertify(year=YEAR)
    review = review_task(register.flagged_v11[0])
    response = api(register.staff["village"]).post(
        f"/api/v1/tasks/{review.pk}/decision/", {"decision": "approve"}, format="json")
    assert response.status_code == 409


def test_command_reports_and_refuses_to_rerun_a_finished_year(register, capsys):
    out = io.StringIO()
    call_command("recertify", "--year", str(YEAR), "--chunk-size", "2", "--progress",
                 stdout=out)
    assert f"{register.due} checked, 3 reviews opened" in out.getvalue()
    assert "recertify 2026" in capsys.readouterr().err  # the bar, on stderr
    out = io.StringIO()
    call_command("recertify", "--year", str(YEAR), stdout=out)
    assert "Use --restart" in out.getvalue()
    out = io.StringIO()
    call_command("recertify", "--year", str(YEAR), "--restart", "--no-progress", stdout=out)
    assert f"{register.due} checked, 0 reviews opened, 3 failing but already under review" in (
        out.getvalue())
    assert capsys.readouterr().err == ""
    assert Recertification.objects.count() == 3


def _flow_rows(process_id):
    """What viewflow holds of a review process, without ids and times."""
    process = Process.objects.get(pk=process_id)
    tasks = []
    for task in Task.objects.filter(process_id=process_id).order_by("id"):
        tasks.append((
            task.flow_task, task.flow_task_type, task.status, str(task.token),
            task.owner_id is None, task.owner_permission, task.data, task.seed_object_id,
            task.artifact_object_id, task.assigned is None, task.started is None,
            task.finished is None, task.scheduled,
            [p.flow_task for p in task.previous.all()]))
    return ((process.flow_class, process.status, process.data, process.parent_task_id,
             process.seed_object_id, process.artifact_object_id, process.finished is None), tasks)


def test_reviews_opened_in_bulk_are_the_rows_viewflows_start_writes(register):
    """``recertify`` opens a chunk's reviews set-based; ``start_review`` through viewflow's
    start: the same process and task rows, and both decide the same way."""
    from django.db import transaction

    from casework.history.audit import unit_of_work
    from eligibility.evaluate import evaluate
    from eligibility.parameters import parameters_on

    one = register.flagged_v21[0]
    [(_, code, facts)] = [row for row in iter_entitlement_facts(ON, exclude_self=True)
                          if row[0] == one.pk]
    decision = evaluate(facts, code, parameters_on(one.program, ON), ON)
    with transaction.atomic(), unit_of_work():
        single = recert.start_review(entitlement=one, case=one.case, year=YEAR, on=ON,
                                     decision=decision, facts=facts)
    recertify(year=YEAR)  # opens the other two in bulk, skips this one
    bulk = Recertification.objects.get(entitlement=register.flagged_v11[0])
    assert _flow_rows(bulk.process_id) == _flow_rows(single.process_id)
    assert Recertification.objects.count() == 3
    assert [e.action for e in AuditEvent.objects.filter(case_id=one.case_id)] == [
        "recertification_flagged"]
    for rc, user in ((single, register.staff["village_other"]),
                     (bulk, register.staff["village"])):
        task = Task.objects.get(process_id=rc.process_id, flow_task_type="HUMAN")
        decide_review(actor=user, task_id=task.pk, decision="continue")
    assert _flow_rows(bulk.process_id) == _flow_rows(single.process_id)


def test_admin_lists_reviews_and_runs(register, admin_client):
    recertify(year=YEAR)
    rc = Recertification.objects.first()
    for url in ("/admin/workflows/recertification/", "/admin/casework/recertificationrun/",
                f"/admin/workflows/recertification/{rc.pk}/change/"):
        assert admin_client.get(url).status_code == 200, url
