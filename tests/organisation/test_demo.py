"""The organisation's demo data over the demo register: the report's figures where it
states them, idempotent, deterministic."""

from datetime import date
from decimal import Decimal

import pytest

from casework import demo as register_demo
from casework.models import Membership
from casework.organisation import demo
from casework.organisation.models import Assessment, OfficeHolder, OrgUnit
from casework.organisation.stats import organisation_stats

TODAY = date(2026, 3, 1)


@pytest.fixture
def seeded(db):
    register_demo.seed_demo(households=150, today=TODAY, association=False)
    return demo.seed(today=TODAY)


def test_the_demo_follows_the_report(seeded):
    assert seeded["units"] == 1 + 11 + 245 + 11 + 4
    assert seeded["criteria"] == 0  # the migration installed them
    vp = OfficeHolder.objects.filter(office=OfficeHolder.Office.FULLTIME_VICE_PRESIDENT,
                                     unit__kind=OrgUnit.Kind.VILLAGE)
    assert (vp.filter(sex="M").count(), vp.filter(sex="F").count()) == (166, 79)  # line 25
    assert OfficeHolder.objects.filter(unit__kind=OrgUnit.Kind.TOWNSHIP).count() == 11
    liziyuan = OrgUnit.objects.get(enterprise_name="浙江李子园牛奶食品有限公司")
    assert (liziyuan.area.name, liziyuan.founded_on) == ("曹宅镇", date(2025, 10, 30))
    assert liziyuan.parent.kind == OrgUnit.Kind.TOWNSHIP
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.ENTERPRISE).exclude(
        pk=liziyuan.pk).filter(note__contains="演示数据").count() == 10
    groups = OrgUnit.objects.filter(kind=OrgUnit.Kind.MIGRANT)
    assert {g.basis for g in groups} == {"trade", "home_region", "kinship"}

    last_year = organisation_stats(area_code="330703", year=2025, as_of=date(2025, 12, 31))
    assert (last_year["activity_days"], last_year["activity_sessions"]) == (11, 32)
    assert last_year["people_examined"] == 5316  # "5300多人" (line 127)
    assert last_year["activity_spending_yuan"] == Decimal("51600.00")  # "5万多元" (line 32)
    assert last_year["trainings"] == 10  # three district sessions, seven in enterprises
    assert last_year["trained"] == 912 + 1980  # "900多名" (line 160), "近2000余人" (line 71)
    assert last_year["assessed_villages"] == 33
    assert last_year["model_villages"] >= 11
    assert last_year["units_village"] == 245 and last_year["units_township"] == 11
    assert last_year["enterprise_associations"] == 11 and last_year["migrant_groups"] == 4
    members = last_year["members"]
    assert 0 < last_year["outreach_workers"] < members // 10
    assert Assessment.objects.filter(year=2025).values("area__parent").distinct().count() == 11


def test_the_demo_is_idempotent_and_deterministic(seeded):
    names = list(OfficeHolder.objects.order_by("area_id", "id").values_list("name", "sex"))
    outreach = set(Membership.objects.filter(role=Membership.Role.OUTREACH)
                   .values_list("number", flat=True))
    again = demo.seed(today=TODAY)
    assert all(count == 0 for count in again.values()), again
    assert list(OfficeHolder.objects.order_by("area_id", "id")
                .values_list("name", "sex")) == names
    assert set(Membership.objects.filter(role=Membership.Role.OUTREACH)
               .values_list("number", flat=True)) == outreach
