"""The inbox's rows are written by hand (``TaskSerializer.to_representation``) for speed;
these hold them to the schema the serializer's fields declare and to what DRF's own fields
would have written for the same values."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from workflows.api.serializers import TaskSerializer
from workflows.selectors import CaseRow, InboxRow

SHANGHAI = ZoneInfo("Asia/Shanghai")


def row(**kw) -> InboxRow:
    base = {"id": 7, "step": "village_review", "created": datetime(2026, 3, 1, 2, 3, 4, 5,
                                                                     tzinfo=UTC),
            "process_id": 3, "due_at": datetime(2026, 3, 9, 15, 59, 59, tzinfo=UTC),
            "escalated_at": None,
            "case": CaseRow(11, "medical_discount", "330703200201", "王大爷")}
    return InboxRow(**{**base, **kw})


def drf(field: serializers.Field, value):
    return field.to_representation(value) if value is not None else None


@pytest.mark.parametrize("zone", [SHANGHAI, UTC])
def test_a_row_has_the_declared_fields_and_what_drfs_fields_write(zone):
    task = row()
    with timezone.override(zone):
        data = TaskSerializer(task).data
        moment = serializers.DateTimeField()
        assert list(data) == list(TaskSerializer().fields)
        assert data == {
            "id": 7, "case": 11, "step": "village_review", "action": "decide",
            "created": drf(moment, task.created), "due_at": drf(moment, task.due_at),
            "overdue": True, "escalated": False, "program": "medical_discount",
            "area": "330703200201", "applicant_name": "王大爷"}
    if zone is UTC:
        assert data["created"] == "2026-03-01T02:03:04.000005Z"
    else:
        assert data["due_at"] == "2026-03-09T23:59:59+08:00"


def test_untimed_escalated_caseless_rows_and_every_action():
    later = timezone.now() + timedelta(days=2)
    assert TaskSerializer(row(due_at=later)).data["overdue"] is False
    untimed = TaskSerializer(row(due_at=None, escalated_at=None, case=None)).data
    assert (untimed["due_at"], untimed["overdue"], untimed["case"], untimed["program"]) == (
        None, False, None, None)
    assert TaskSerializer(row(escalated_at=later)).data["escalated"] is True
    actions = {step: TaskSerializer(row(step=step)).data["action"] for step in (
        "village_review", "objection_review", "township_review", "district_review",
        "family_revision", "recertification_review", "appeal_review")}
    assert actions == {"village_review": "decide", "objection_review": "decide",
                       "township_review": "decide",
                       "district_review": "decide", "family_revision": "resubmit",
                       "recertification_review": "recertify", "appeal_review": "appeal"}


def test_the_schema_declares_each_field_the_row_writes():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    properties = schema["components"]["schemas"]["Task"]["properties"]
    assert set(properties) == set(TaskSerializer().fields)
    assert properties["due_at"].get("nullable") is True
    action = properties["action"]
    ref = action.get("$ref") or action["allOf"][0]["$ref"]  # drf-spectacular names enums
    enum = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]
    assert enum == ["decide", "resubmit", "recertify", "appeal"]
