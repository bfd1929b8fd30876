"""Who may change what, role by role: each service refuses everyone but the keepers of the
record's level (and administrators in scope) with NotPermitted, storing nothing."""

from datetime import date

import pytest

from casework.errors import NotPermitted
from casework.models import RecordEvent
from casework.organisation import services
from casework.organisation.models import (
    ActivityDay,
    Assessment,
    OfficeHolder,
    OrgUnit,
    TrainingSession,
)

from .conftest import unit

K = OrgUnit.Kind
ROLES = ("village", "village_other", "township", "township_other", "district", "auditor",
         "admin", "admin_t2")


def _found(kind, area_key, extra=None):
    def act(user, areas, levels):
        if kind in OrgUnit.LEVEL_KINDS:  # the old one dissolved, so a new one may be founded
            OrgUnit.objects.filter(pk=levels[area_key].pk).update(dissolved_on=date(2020, 1, 1))
        return services.create_unit(actor=user, kind=kind, area=areas[area_key], name="新单位",
                                    founded_on=date(2024, 1, 1), **(extra or {}))
    return act


def _appoint(level_key):
    def act(user, areas, levels):
        return services.appoint_office_holder(actor=user, unit=levels[level_key],
                                              office=OfficeHolder.Office.COUNCIL_MEMBER,
                                              name="理事", sex="F", since=date(2024, 1, 1))
    return act


def _appoint_in_enterprise(user, areas, levels):
    firm = unit(K.ENTERPRISE, areas["v11"], parent=levels["v11"])
    return services.appoint_office_holder(actor=user, unit=firm,
                                          office=OfficeHolder.Office.PRESIDENT, name="厂长",
                                          sex="M", since=date(2024, 1, 1))


def _training(area_key):
    def act(user, areas, levels):
        return services.create_training_session(actor=user, area=areas[area_key], title="培训",
                                                first_day=date(2025, 9, 25),
                                                last_day=date(2025, 9, 26))
    return act


def _activity(area_key):
    def act(user, areas, levels):
        return services.record_activity_day(actor=user, area=areas[area_key], title="5·29",
                                            held_on=date(2025, 5, 29))
    return act


def _assess(user, areas, levels):
    from casework.organisation.criteria import install_criteria

    install_criteria()
    return services.record_assessment(
        actor=user, village=areas["v11"], year=2025,
        scores={"council": 20, "venue": 20, "volunteers": 20, "project": 20, "dues": 20},
        assessed_on=date(2025, 12, 1))


def _district_unit(user, areas, levels):
    return services.end_unit(actor=user, unit=levels["district"], dissolved_on=date(2025, 1, 1))


CASES = {
    # operation: the roles allowed (everyone else is refused)
    "end the district association": (_district_unit, {"district", "admin"}),
    "found a township association": (_found(K.TOWNSHIP, "t1"), {"township", "admin"}),
    "found an enterprise association in a township": (
        _found(K.ENTERPRISE, "t1", {"enterprise_name": "某厂"}), {"township", "admin"}),
    "found a migrant group in a village": (
        _found(K.MIGRANT, "v11", {"basis": "trade"}), {"township", "admin"}),
    "appoint in a village association": (_appoint("v11"),
                                         {"village", "township", "admin"}),
    "appoint in a township association": (_appoint("t1"), {"township", "admin"}),
    "appoint in a village's enterprise association": (_appoint_in_enterprise,
                                                      {"township", "admin"}),
    "appoint in the district association": (_appoint("district"), {"district", "admin"}),
    "a village's training session": (_training("v11"), {"village", "admin"}),
    "a township's training session": (_training("t1"), {"township", "admin"}),
    "the district's training session": (_training("district"), {"district", "admin"}),
    "a township's activity day": (_activity("t1"), {"township", "admin"}),
    "a village's activity day": (_activity("v11"), {"village", "admin"}),
    "assess a village": (_assess, {"township", "district", "admin"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", list(CASES))
def test_only_the_keepers_change_each_record(areas, users, levels, case, role):
    act, allowed = CASES[case]
    if role in allowed:
        assert act(users[role], areas, levels) is not None
        assert RecordEvent.objects.filter(actor=users[role]).exists()
    else:
        with pytest.raises(NotPermitted):
            act(users[role], areas, levels)
        assert not RecordEvent.objects.exists()
        assert not OrgUnit.objects.filter(name="新单位").exists()
        for model in (OfficeHolder, TrainingSession, ActivityDay, Assessment):
            assert not model.objects.exists()
        assert not OrgUnit.objects.filter(dissolved_on__gt=date(2020, 1, 1)).exists()


def test_a_village_unit_in_another_village_is_not_the_reviewers(areas, users, levels):
    """The village reviewer of v11 may keep v11's association, not v12's (same township)."""
    with pytest.raises(NotPermitted):
        services.appoint_office_holder(actor=users["village"], unit=levels["v12"],
                                       office=OfficeHolder.Office.COUNCIL_MEMBER, name="某",
                                       sex="M", since=date(2024, 1, 1))
    assert services.may_keep_unit(users["village"], K.VILLAGE, areas["v11"].code)
    assert not services.may_keep_unit(users["village"], K.VILLAGE, areas["v12"].code)
    assert not services.may_keep_unit(users["village"], K.ENTERPRISE, areas["v11"].code)
