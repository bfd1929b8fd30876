"""Cases are written by hand (``CaseSerializer.to_representation``, and the detail's
``CaseDetailSerializer``) for speed; these hold them to exactly what DRF's own
field-by-field machinery writes for the same case, in both languages, as a list reads
it and as the detail reads it."""

from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework import serializers

from casework import selectors
from tests import factories as f
from tests.support.journey import apply as submit
from workflows.api.serializers import CaseDetailSerializer, CaseSerializer
from workflows.selectors import open_tasks_of

from .conftest import decide, unique_birth

pytestmark = pytest.mark.django_db


def drf(serializer) -> dict:
    """What DRF's ModelSerializer writes, field by field."""
    return serializers.ModelSerializer.to_representation(serializer, serializer.instance)


@pytest.fixture
def cases(programs, areas, staff):
    """An open case (at township review, a decision made), and a rejected (closed) one."""
    rows = []
    for i, outcome in enumerate(("approve", "reject")):
        hh = f.household(areas["v11"], hardship=True, annual_income_yuan=10000)
        applicant = f.person(hh, name=f"申请人{i}", birth=unique_birth())
        case = submit(actor=staff["village"], household=hh, applicant=applicant,
                      program=programs["health_check"])
        rows.append(decide(staff["village"], case, outcome, "不符合" if outcome == "reject"
                           else ""))
    return rows


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_list_rows_are_what_drf_writes(cases, staff, language):
    request = SimpleNamespace(LANGUAGE_CODE=language)
    listed = list(selectors.case_list(staff["village"]).filter(pk__in=[c.pk for c in cases]))
    assert len(listed) == 2 and any(c.closed_at for c in listed)
    with timezone.override("Asia/Shanghai"):
        for case in listed:
            ours = CaseSerializer(case, context={"request": request})
            assert ours.data == drf(CaseSerializer(case, context={"request": request}))
            assert list(ours.data) == list(ours.fields)


def test_the_detail_is_what_drf_writes(cases, staff):
    for case in cases:
        read = selectors.case_file(user=staff["village"], case_id=case.pk)
        ctx = {"request": SimpleNamespace(LANGUAGE_CODE="zh-hans"),
               "open_tasks": open_tasks_of(read)}
        ours = CaseDetailSerializer(read, context=ctx).data
        assert ours == drf(CaseDetailSerializer(read, context=ctx))
        assert list(ours) == list(CaseDetailSerializer().fields)
        assert ours["decisions"] and ours["decisions"][0]["actor"] == staff["village"].username
