"""The statistics report to the city association: every number of a small, hand-built
district asserted exactly (SQLite here, PostgreSQL in CI), the district's column the sum of
its townships', the staff page, its Excel and PDF, the API, and who may ask.

The world (2025, as of 31 December): township t1 with villages v11 and v12, township t2
with v21. In v11 a household of three: the head a volunteer member, his wife a member,
their son no member; in v21 a household whose head is a 宣传员. Village associations in v11
and v21, a township association in t1, an enterprise association (40 members) in t2;
full-time vice-presidents: a man in v11, a woman in v21. A training in t1 (2 named, 5
others), a 5·29 day in t2. v11's health check lists its two members, one checked. A
project in t1 with the v11 household; a pairing contract for the v21 household with one
visit; v11's head is the contact member of a neighbouring household. Dues paid by one
member. A pension subsidy granted in v11 (600 yuan) and a medical card in v21;
the fund's allocation and one grant.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework.contacts.models import ContactAssignment
from casework.fund.models import FundEntry
from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.models import DuesPayment, Membership
from casework.organisation.models import ActivityDay, OfficeHolder, OrgUnit, TrainingSession
from casework.pairings.models import PairingContract, PairingVisit, Partner
from casework.projects.models import IncomeProject, ProjectHousehold
from tests import factories as f
from workflows.statistics.report import build_report

pytestmark = pytest.mark.django_db

YEAR = 2025
AS_OF = date(2025, 12, 31)


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


@pytest.fixture
def world(programs, areas):
    district_user = f.user("district_approver", areas["district"])
    now = moment(date(2025, 3, 1))
    home = f.household(areas["v11"])
    head = f.person(home, name="户主甲", member=False, birth=date(1958, 1, 1))
    wife = f.person(home, name="妻子甲", member=False, sex="F", relationship="spouse",
                    birth=date(1960, 1, 1))
    f.person(home, name="儿子甲", member=False, relationship="child", birth=date(1990, 1, 1))
    far = f.household(areas["v21"])
    far_head = f.person(far, name="户主乙", member=False, birth=date(1970, 1, 1))
    near = f.household(areas["v11"])
    f.person(near, name="邻居", member=False)
    joined = date(2020, 1, 1)
    for person, number, role in ((head, "M1", "volunteer"), (wife, "M2", "member"),
                                 (far_head, "M3", "outreach")):
        Membership.objects.create(person=person, number=number, joined=joined, role=role)
    DuesPayment.objects.create(membership=head.membership, area=areas["v11"], year=YEAR,
                               amount_yuan=Decimal("10"), paid_on=date(2025, 4, 1),
                               receipt_number="R1", recorded_at=now)
    # organisation
    OrgUnit.objects.create(kind="township_association", name="t1协会", area=areas["t1"],
                           founded_on=joined, created_by=district_user)
    v11 = OrgUnit.objects.create(kind="village_association", name="v11协会", area=areas["v11"],
                                 founded_on=joined, created_by=district_user)
    v21 = OrgUnit.objects.create(kind="village_association", name="v21协会", area=areas["v21"],
                                 founded_on=joined, created_by=district_user)
    OrgUnit.objects.create(kind="enterprise_association", name="乳业协会", area=areas["t2"],
                           enterprise_name="乳业公司", member_count=40, founded_on=joined,
                           created_by=district_user)
    for unit, sex, area in ((v11, "M", "v11"), (v21, "F", "v21")):
        OfficeHolder.objects.create(unit=unit, area=areas[area], name=f"副会长{sex}", sex=sex,
                                    office="fulltime_vice_president", since=joined,
                                    created_by=district_user)
    session = TrainingSession.objects.create(area=areas["t1"], title="培训",
                                             first_day=date(2025, 9, 25),
                                             last_day=date(2025, 9, 26), other_attendees=5,
                                             created_by=district_user)
    for person in (head, wife):
        session.attendance.create(person=person, name=person.name, area=areas["v11"])
    ActivityDay.objects.create(area=areas["t2"], kind="member_day_529", held_on=date(2025, 5, 29),
                               title="5·29", sessions_held=3, people_examined=120,
                               materials_distributed=500, spending_yuan=Decimal("5000.00"),
                               created_by=district_user)
    # health check: v11's two members listed, the head checked
    campaign = HealthCheckCampaign.objects.create(
        area=areas["v11"], year=YEAR, first_day=date(2025, 6, 1), last_day=date(2025, 6, 2),
        funding_yuan=Decimal("800.00"), created_by=district_user, created_at=now)
    HealthCheckRecord.objects.create(campaign=campaign, person=head, area=areas["v11"],
                                     result="done", checked_on=date(2025, 6, 1),
                                     listed_at=now, recorded_by=district_user,
                                     recorded_at=now)
    HealthCheckRecord.objects.create(campaign=campaign, person=wife, area=areas["v11"],
                                     result="pending", listed_at=now)
    # a project in t1 with the v11 household
    project = IncomeProject.objects.create(name="桃园", area=areas["t1"],
                                           started_on=date(2024, 1, 1), support="培训",
                                           created_by=district_user, created_at=now)
    ProjectHousehold.objects.create(project=project, household=home, area=areas["v11"],
                                    joined_on=date(2025, 4, 1), support_yuan=Decimal("300"),
                                    recorded_at=now)
    # a pairing for the v21 household
    partner = Partner.objects.create(kind="person", name="能手", trade="养鸡", area=areas["t2"],
                                     created_by=district_user, created_at=now)
    contract = PairingContract.objects.create(
        household=far, partner=partner, area=areas["v21"], signed_on=date(2025, 2, 1),
        starts_on=date(2025, 2, 1), ends_on=date(2026, 1, 31), terms="技术指导",
        state="running", created_by=district_user, created_at=now)
    PairingVisit.objects.create(contract=contract, area=areas["v21"],
                                visited_on=date(2025, 3, 1), visited_by="partner",
                                visitor_name="能手", recorded_by=district_user,
                                recorded_at=now)
    # the head looks after the neighbouring household
    ContactAssignment.objects.create(contact=head, household=near, area=areas["v11"],
                                     since=date(2025, 1, 1), created_by=district_user,
                                     created_at=now)
    # benefits: the couple's pension subsidy (cash), a medical card in v21
    pension = f.entitlement(head, programs["pension_subsidy"], valid_from=date(2025, 3, 1),
                            valid_to=date(2025, 12, 31), amount_yuan=600)
    f.entitlement(far_head, programs["medical_discount"], valid_from=date(2025, 6, 1),
                  valid_to=date(2028, 5, 31))
    from casework.models import Entitlement

    Entitlement.objects.filter(pk=pension.pk).update(issued_at=moment(date(2025, 3, 1)))
    Entitlement.objects.exclude(pk=pension.pk).update(issued_at=moment(date(2025, 6, 1)))
    # the fund: the district's allocation
    FundEntry.objects.create(area=areas["district"], year=YEAR, booked_on=date(2025, 1, 10),
                             kind="allocation", amount_yuan=Decimal("100000.00"),
                             recorded_by=district_user, recorded_at=now)
    return {"areas": areas, "district_user": district_user}


def column(report, code):
    return next(c for c in report.columns if c.code == code)


def test_every_number_of_the_district(world):
    report = build_report(world["areas"]["district"], year=YEAR, as_of=AS_OF)
    assert [c.code for c in report.columns] == ["330703001", "330703002", "330703"]
    district = report.total
    org = district.figures["organisation"]
    assert (org["members"], org["volunteers"], org["outreach_workers"]) == (3, 1, 1)
    assert (org["units_township"], org["units_village"], org["enterprise_associations"],
            org["enterprise_association_members"], org["migrant_groups"]) == (1, 2, 1, 40, 0)
    assert (org["vice_presidents_fulltime_township"], org["vice_presidents_fulltime_male"],
            org["vice_presidents_fulltime_female"]) == (0, 1, 1)
    assert (org["trainings"], org["trained"]) == (1, 7)
    assert (org["activity_days"], org["activity_sessions"], org["people_examined"],
            org["activity_spending_yuan"]) == (1, 3, 120, Decimal("5000.00"))
    health = district.figures["health"]
    assert (health["campaigns"], health["members_listed"], health["checked"],
            health["coverage_percent"], health["funding_yuan"]) == (
        1, 2, 1, Decimal("50.0"), Decimal("800.00"))
    projects = district.figures["projects"]
    assert (projects["projects"], projects["households_helped"], projects["households_joined"],
            projects["support_yuan"]) == (1, 1, 1, Decimal("300.00"))
    pairings = district.figures["pairings"]
    assert (pairings["contracts_running"], pairings["households_paired"],
            pairings["contracts_signed"], pairings["visits"]) == (1, 1, 1, 1)
    contacts = district.figures["contacts"]
    assert (contacts["contact_members"], contacts["households_contacted"]) == (1, 1)
    dues = district.figures["dues"]
    assert (dues["members_owing"], dues["members_paid"], dues["dues_collected_yuan"]) == (
        3, 1, Decimal("10.00"))
    benefits = district.figures["benefits"]
    assert benefits["programs"]["pension_subsidy"] == {
        "granted": 1, "renewed": 0, "in_force": 1, "paid_yuan": Decimal("600.00")}
    assert benefits["programs"]["medical_discount"] == {
        "granted": 1, "renewed": 0, "in_force": 1, "paid_yuan": Decimal("0.00")}
    assert benefits["total"] == {"granted": 2, "renewed": 0, "in_force": 2,
                                 "paid_yuan": Decimal("600.00")}
    fund = district.figures["fund"]
    assert (fund["income_yuan"], fund["allocations_yuan"], fund["balance_yuan"]) == (
        Decimal("100000.00"), Decimal("100000.00"), Decimal("100000.00"))


def test_the_townships_add_up_to_the_district(world):
    report = build_report(world["areas"]["district"], year=YEAR, as_of=AS_OF)
    t1, t2 = column(report, "330703001"), column(report, "330703002")
    assert t1.figures["organisation"]["members"] == 2
    assert t2.figures["organisation"]["members"] == 1
    assert t1.figures["benefits"]["total"]["paid_yuan"] == Decimal("600.00")
    for source, key in (("organisation", "members"), ("organisation", "trained"),
                        ("health", "checked"), ("projects", "households_helped"),
                        ("pairings", "visits"), ("dues", "members_paid")):
        assert (t1.figures[source][key] + t2.figures[source][key]
                == report.total.figures[source][key]), (source, key)
    from django.utils import translation

    with translation.override("en"):
        rows = {label: values for _section, label, values in report.rows("en")}
    # the fund's district-wide lines are the district's alone
    assert rows["Fund income (yuan)"] == [None, None, Decimal("100000.00")]
    assert rows["Association members"] == [2, 1, 3]
    assert rows["Pension-insurance subsidy: paid (yuan)"] == [
        Decimal("600.00"), Decimal("0.00"), Decimal("600.00")]


def test_as_of_a_date_counts_only_what_happened_by_then(world):
    report = build_report(world["areas"]["district"], year=YEAR, as_of=date(2025, 5, 1))
    figures = report.total.figures
    assert figures["health"]["checked"] == 0  # checked in June
    assert figures["organisation"]["trainings"] == 0  # in September
    assert figures["benefits"]["total"]["granted"] == 1  # the pension in March


def test_a_township_report_has_its_own_column(world):
    report = build_report(world["areas"]["t1"], year=YEAR, as_of=AS_OF)
    assert [c.code for c in report.columns] == ["330703001"]
    assert report.total.figures["organisation"]["members"] == 2


def test_the_page_excel_pdf_and_api(world, client):
    user = world["district_user"]
    client.force_login(user)
    query = {"area": "330703", "year": YEAR, "as_of": "2025-12-31"}
    page = client.get(reverse("reports:statistics"), query)
    assert page.status_code == 200
    assert page.context["report"].total.figures["organisation"]["members"] == 3
    xlsx = client.get(reverse("reports:statistics_xlsx"), query)
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(b"".join(xlsx.streaming_content))).active
    values = {row[1]: row[2:] for row in sheet.iter_rows(min_row=3, values_only=True)}
    members_label = page.context["rows"][0]["label"]
    assert values[members_label] == (2, 1, 3)
    pdf = client.get(reverse("reports:statistics_pdf"), query)
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    api = APIClient()
    api.force_authenticate(user)
    body = api.get("/api/v1/statistics/330703/", {"year": YEAR}).json()
    assert body["as_of"] == "2025-12-31"
    assert body["columns"][-1]["figures"]["organisation"]["members"] == 3
    assert body["columns"][-1]["figures"]["fund"]["balance_yuan"] == "100000.00"


def test_who_may_ask(world, client):
    areas = world["areas"]
    township = f.user("township_approver", areas["t1"])
    api = APIClient()
    api.force_authenticate(township)
    assert api.get("/api/v1/statistics/330703001/", {"year": YEAR}).status_code == 200
    # another township, or the district: not in its area
    assert api.get("/api/v1/statistics/330703002/", {"year": YEAR}).status_code == 404
    assert api.get("/api/v1/statistics/330703/", {"year": YEAR}).status_code == 404
    village = f.user("village_reviewer", areas["v11"])
    api.force_authenticate(village)
    assert api.get("/api/v1/statistics/330703001/", {"year": YEAR}).status_code == 403
    client.force_login(village)
    assert client.get(reverse("reports:statistics")).status_code == 403


def test_bad_input_names_the_field(world):
    api = APIClient()
    api.force_authenticate(world["district_user"])
    response = api.get("/api/v1/statistics/330703/", {"year": YEAR, "as_of": "2024-01-01"},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "as_of" in response.json()
    response = api.get("/api/v1/statistics/330703/", {"year": 3000})
    assert response.status_code == 400 and "year" in response.json()
    assert api.get("/api/v1/statistics/330703/").status_code == 400
