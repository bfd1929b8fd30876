"""Selectors only read; the views that show full numbers record it.

``casework.selectors.identities_shown`` and ``case_context`` say whose full resident
identity (and phone) numbers a page shows and write nothing; the view that shows them
records each showing (``casework.privacy.access_log.record_reveal``) with the same rows the
selector used to write: kind, purpose, case, person, object and path.
"""

import ast
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from casework import selectors
from casework.models import AccessRecord, Case
from casework.personal.identity import mask_resident_id
from casework.privacy import access_log
from tests import factories as f
from workflows import selectors as workflow_selectors

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(WRITES)]


def rows(user, **filters):
    return list(AccessRecord.objects.filter(user=user, **filters).order_by("id").values(
        "kind", "purpose", "case_id", "person_id", "object_ref", "path"))


@pytest.fixture
def home(areas):
    hh = f.household(areas["v11"])
    head = f.person(hh, name="陈一", birth=date(1951, 2, 3), phone=PHONE)
    spouse = f.person(hh, name="林二", birth=date(1953, 4, 5), sex="F", phone="",
                      relationship="spouse")
    return {"household": hh, "head": head, "spouse": spouse}


@pytest.fixture
def case(home, programs):
    return f.case(home["head"], programs["health_check"], status="township_review")


# --- the selectors write nothing ---------------------------------------------------------------

@pytest.mark.parametrize("who", ["township", "auditor"])
def test_the_case_and_household_selectors_write_nothing(staff, home, case, who):
    user = staff[who]
    visible = who == "township"
    with CaptureQueriesContext(connection) as queries:
        list(selectors.cases_for(user))
        list(selectors.case_list(user))
        list(selectors.households_for(user))
        list(selectors.case_history(case))
        revealed = selectors.identities_shown(user, [home["head"], home["spouse"]])
        ctx = selectors.case_context(Case.objects.select_related(
            "applicant", "household").get(pk=case.pk), user)
        if visible:
            selectors.case_detail(user=user, case_id=case.pk)
            selectors.case_file(user=user, case_id=case.pk)
            household = selectors.household_detail(user=user,
                                                   household_id=home["household"].pk)
            selectors.identities_shown(user, household.members.all(),
                                       area_code=household.area_id)
    assert writes(queries) == []
    assert AccessRecord.objects.count() == 0
    # what they read: the numbers the page may show in full, and whose
    assert bool(revealed) is visible and bool(ctx["revealed"]) is visible
    if visible:
        assert revealed.ids == {home["head"].pk, home["spouse"].pk}
        assert [p.pk for p in revealed.phones] == [home["head"].pk]  # the one with a phone
        assert ctx["revealed"].ids == {home["head"].pk} and ctx["revealed"].phones == ()
        assert ctx["applicant_id_number"] == home["head"].id_number
    else:
        assert revealed.ids == set() and revealed.phones == ()
        assert ctx["applicant_id_number"] == mask_resident_id(home["head"].id_number)


def test_identities_shown_without_phones_reveals_no_phone(staff, home):
    revealed = selectors.identities_shown(staff["village"], [home["head"]], phones=False)
    assert revealed.ids == {home["head"].pk} and revealed.phones == ()


def test_the_inbox_selectors_write_nothing(staff, case):
    with CaptureQueriesContext(connection) as queries:
        for user in staff.values():
            list(workflow_selectors.tasks_for(user))
        assert workflow_selectors.open_tasks_of(case) == []  # no process: no steps
    assert writes(queries) == []


SELECTOR_FILES = sorted([*Path(settings.BASE_DIR).glob("casework/**/selectors.py"),
                         *Path(settings.BASE_DIR).glob("workflows/**/selectors.py")])
WRITING_CALLS = {"create", "bulk_create", "get_or_create", "update_or_create", "save",
                 "update", "bulk_update", "delete", "select_for_update", "full_clean"}


@pytest.mark.parametrize("path", SELECTOR_FILES,
                         ids=[str(p.relative_to(settings.BASE_DIR)) for p in SELECTOR_FILES])
def test_no_selector_module_calls_a_writer(path):
    """No selector writes rows or records access: no ``.create()``, ``.save()``,
    ``.update()``... and no ``record_*`` call (``casework.privacy.access_log``'s writers)."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITING_CALLS or name.startswith("record_"):
                calls.append(f"{name} (line {node.lineno})")
    assert calls == []


# --- the views record what the selectors revealed ----------------------------------------------

def test_the_case_file_purpose_is_stored_in_the_sites_language_for_any_reader(case):
    from django.utils import translation

    with translation.override("zh-hans"):
        chinese = access_log.case_file_purpose(case)
    with translation.override("en"):
        assert access_log.case_file_purpose(case) == chinese
    assert f"第{case.pk}号申请" in chinese and "case" not in chinese


def test_the_case_file_records_the_applicants_full_number_as_before(staff, home, case):
    from workflows.case_file import case_file_context

    user = staff["township"]
    ctx = case_file_context(user, case.pk)
    assert ctx["applicant_id_number"] == home["head"].id_number
    assert "revealed" not in ctx  # the page's context is what it was
    head = home["head"].pk
    purpose = access_log.case_file_purpose(case)
    assert f"第{case.pk}号申请" in purpose  # the site's language
    health = rows(user)[0]
    assert health["kind"] == "health"  # an annual health check: its data recorded first
    assert rows(user)[1:] == [
        {"kind": "resident_id", "purpose": purpose, "case_id": case.pk, "person_id": head,
         "object_ref": f"person:{head}", "path": ""},
    ]


@pytest.mark.parametrize("who", ["auditor", "township_other"])
def test_the_case_file_of_whom_sees_masked_numbers_records_no_number(staff, home, case, who):
    from workflows.case_file import case_file_context

    user = staff[who]
    if who == "township_other":  # not in the case's area: not found at all
        with pytest.raises(Http404):
            case_file_context(user, case.pk)
    else:
        ctx = case_file_context(user, case.pk)
        assert ctx["applicant_id_number"] == mask_resident_id(home["head"].id_number)
    assert [r["kind"] for r in rows(user) if r["kind"] in ("resident_id", "phone")] == []


def test_the_household_api_records_each_number_shown_as_before(staff, home):
    user, hh = staff["village"], home["household"]
    head, spouse = home["head"].pk, home["spouse"].pk
    client = APIClient()
    client.force_authenticate(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/households/{hh.pk}/")
    assert response.status_code == 200
    members = {m["id"]: m for m in response.json()["members"]}
    assert members[head]["id_number"] == home["head"].id_number
    assert members[head]["phone"] == PHONE
    path, purpose = f"/api/v1/households/{hh.pk}/", f"花名册资料：第{hh.pk}户"
    recorded = sorted(rows(user), key=lambda r: (r["kind"], r["person_id"]))
    assert recorded == sorted([
        {"kind": "resident_id", "purpose": purpose, "case_id": None, "person_id": head,
         "object_ref": f"person:{head}", "path": path},
        {"kind": "resident_id", "purpose": purpose, "case_id": None, "person_id": spouse,
         "object_ref": f"person:{spouse}", "path": path},
        {"kind": "phone", "purpose": purpose, "case_id": None, "person_id": head,
         "object_ref": f"person:{head}", "path": path},
    ], key=lambda r: (r["kind"], r["person_id"]))
    # one INSERT per kind, as before (record_many)
    inserts = [sql for sql in writes(queries) if "casework_accessrecord" in sql]
    assert len(inserts) == 2


def test_record_reveal_writes_what_the_selector_used_to(staff, home, case):
    user = staff["township"]
    head, spouse = home["head"], home["spouse"]
    # nobody shown: nothing recorded
    access_log.record_reveal(user, selectors.Revealed(), purpose="x", case=case, path="/p")
    assert rows(user) == []
    # one person of a case: the records name the case
    access_log.record_reveal(user, selectors.identities_shown(user, [head]),
                             purpose="p1", case=case, path="/p1")
    assert rows(user) == [
        {"kind": kind, "purpose": "p1", "case_id": case.pk, "person_id": head.pk,
         "object_ref": f"person:{head.pk}", "path": "/p1"}
        for kind in ("resident_id", "phone")]
    # several people (or no case): one record per person and kind, no case
    access_log.record_reveal(user, selectors.identities_shown(user, [head, spouse]),
                             purpose="p2", case=case, path="/p2")
    assert sorted((r["kind"], r["person_id"], r["case_id"])
                  for r in rows(user, purpose="p2")) == sorted([
        ("resident_id", head.pk, None), ("resident_id", spouse.pk, None),
        ("phone", head.pk, None)])
