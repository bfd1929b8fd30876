"""Small builders for the register (no factory library needed for this much)."""

from datetime import date
from itertools import count

from casework.models import Area, Household, Membership, Person, User
from casework.personal.identity import make_resident_id

_seq = count(1)

DISTRICT = "330703"


def area_tree():
    """District > two townships > two villages each (codes are prefixes of each other)."""
    district, _ = Area.objects.get_or_create(code=DISTRICT, defaults={
        "name": "金东区", "level": Area.Level.DISTRICT})
    areas = {"district": district}
    for t in (1, 2):
        tcode = f"{DISTRICT}{t:03d}"
        township, _ = Area.objects.get_or_create(code=tcode, defaults={
            "name": f"镇{t}", "level": Area.Level.TOWNSHIP, "parent": district})
        areas[f"t{t}"] = township
        for v in (1, 2):
            vcode = f"{tcode}{v:03d}"
            village, _ = Area.objects.get_or_create(code=vcode, defaults={
                "name": f"村{t}-{v}", "level": Area.Level.VILLAGE, "parent": township,
                "health_check_enrolled_years": list(range(2020, 2031))})
            areas[f"v{t}{v}"] = village
    return areas


def person(household, *, name="张三", birth=date(1960, 5, 1), sex="M", relationship="head",
           member=True, pension_insured=True, phone="13800000000"):
    n = next(_seq)
    p = Person.objects.create(
        household=household, name=name, id_number=make_resident_id(DISTRICT, birth, 2 * n, sex),
        sex=sex, birth_date=birth, relationship=relationship, phone=phone,
        pension_insured=pension_insured)
    if member:
        Membership.objects.create(person=p, number=f"M{n:06d}", joined=date(2015, 1, 1))
    return p


def household(village, **facts):
    n = next(_seq)
    defaults = {"one_child_certificate_date": date(1990, 1, 1)}
    defaults.update(facts)
    return Household.objects.create(area=village, number=f"H{n:08d}", **defaults)


def user(role, area=None, *, household=None, username=None):
    n = next(_seq)
    u = User.objects.create_user(username=username or f"{role}{n}", password="pw-Test-12345",
                                 role=role, area=area, household=household)
    return u


def case(person, program, *, status="approved", application_date=date(2024, 3, 1),
         filed_by=None):
    """A case written directly (no process), e.g. one a past application left behind."""
    from django.utils import timezone

    from casework.models import Case, CaseStatus

    household = person.household
    filed_by = filed_by or User.objects.filter(role="village_reviewer").first() or user(
        "village_reviewer", household.area)
    closed = status in (CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN)
    return Case.objects.create(
        household=household, applicant=person, program=program, area_id=household.area_id,
        status=status, filed_by=filed_by, on_behalf=True, submitted_at=timezone.now(),
        application_date=application_date, eligible=True,
        closed_at=timezone.now() if closed else None)


def entitlement(person, program, *, valid_from=date(2024, 3, 1), valid_to=date(2027, 2, 28),
                state="live", filed_by=None, amount_yuan=0):
    """A granted case and its entitlement, written directly (no process): a register
    as the years of applications left it."""
    from django.utils import timezone

    from casework.models import Entitlement

    n = next(_seq)
    granted = case(person, program, application_date=valid_from, filed_by=filed_by)
    return Entitlement.objects.create(
        case=granted, household=person.household, person=person, program=program,
        area_id=granted.area_id, number=f"E{n:08d}", amount_yuan=amount_yuan,
        valid_from=valid_from, valid_to=valid_to, state=state, issued_at=timezone.now())


def income_project(township, *, name=None, started_on=date(2020, 1, 1), created_by=None):
    """An open 少生快富 project of ``township`` (income-project applications name one)."""
    from django.utils import timezone

    from casework.projects.models import IncomeProject

    n = next(_seq)
    created_by = created_by or User.objects.filter(role="township_approver").first() or user(
        "township_approver", township)
    return IncomeProject.objects.create(
        name=name or f"项目{n}", area=township, started_on=started_on, support="技术培训",
        created_by=created_by, created_at=timezone.now())


def project_for(household):
    """An open project of ``household``'s township: the first, or a new one."""
    from casework.projects.selectors import projects_open_to

    return projects_open_to(household).first() or income_project(household.area.parent)
