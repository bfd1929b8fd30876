"""seed_demo: the district it builds, the register's validity, idempotence,
determinism, and demo accounts that can really log in and work a case."""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Task

from casework import demo
from casework.models import Area, CaseStatus, Household, Membership, Person, User
from casework.personal.identity import parse_resident_id
from casework.services import precheck
from eligibility.models import PolicyParameter, Program

N = 40  # small register: the tests check shape and rules, not volume
TOWNSHIPS = {"孝顺镇", "岭下镇", "赤松镇", "东孝街道", "多湖街道", "源东乡", "曹宅镇", "江东镇",
             "澧浦镇", "塘雅镇", "傅村镇"}
NAMED_VILLAGES = {"邢村": "源东乡", "东山村": "多湖街道", "叶宅村": "多湖街道",
                  "杜宅村": "曹宅镇", "雅湖村": "江东镇", "横店村": "江东镇"}
ROLE_LEVEL = {
    User.Role.FAMILY: Area.Level.VILLAGE,
    User.Role.VILLAGE_REVIEWER: Area.Level.VILLAGE,
    User.Role.TOWNSHIP_APPROVER: Area.Level.TOWNSHIP,
    User.Role.DISTRICT_APPROVER: Area.Level.DISTRICT,
    User.Role.AUDITOR: Area.Level.DISTRICT,
    User.Role.ADMIN: Area.Level.DISTRICT,
}


@pytest.fixture
def seeded(db):
    """The register and accounts alone: the association's year (checks done in the
    villages' campaigns, pairings...) would change who may apply for what; it has its
    own test below."""
    return demo.seed_demo(households=N, association=False)


def run_command(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", households=N, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    """Everything a re-run could change, in a comparable form."""
    return {
        "counts": [m.objects.count() for m in (Area, Household, Person, Membership, User,
                                                Program, PolicyParameter)],
        "areas": list(Area.objects.values_list("code", "name", "parent_id",
                                               "health_check_enrolled_years")),
        "households": list(Household.objects.values_list("pk", "number", "area_id",
                                                         "updated")),
        "persons": list(Person.objects.values_list("pk", "id_number", "household_id")),
        "memberships": list(Membership.objects.values_list("number", "person_id",
                                                           "dues_paid_years")),
        "users": list(User.objects.order_by("username").values_list(
            "username", "password", "role", "area_id", "household_id", "is_superuser")),
    }


# --- the area tree ------------------------------------------------------------------


def test_district_townships_and_villages_have_prefix_codes(seeded):
    district = Area.objects.get(code="330703")
    assert (district.level, district.name, district.parent_id) == ("district", "金东区", None)

    townships = list(Area.objects.filter(level=Area.Level.TOWNSHIP))
    assert {t.name for t in townships} == TOWNSHIPS
    for township in townships:
        assert re.fullmatch(r"330703\d{3}", township.code)
        assert township.parent_id == "330703"

    villages = list(Area.objects.filter(level=Area.Level.VILLAGE))
    assert len(villages) == demo.VILLAGE_TOTAL == 245
    codes = {t.code for t in townships}
    for village in villages:
        assert re.fullmatch(r"\d{12}", village.code)
        assert village.parent_id in codes
        assert village.code.startswith(village.parent_id)
    per_township = Counter((v.parent_id, v.name) for v in villages)
    assert max(per_township.values()) == 1, "village names repeat within a township"
    assert {v.parent_id for v in villages} == codes, "a township without villages"
    assert any(v.health_check_enrolled_years for v in villages)
    assert any(not v.health_check_enrolled_years for v in villages)


def test_report_villages_sit_under_their_townships_and_fund_health_checks(seeded):
    year = timezone.localdate().year
    for village_name, township_name in NAMED_VILLAGES.items():
        village = Area.objects.select_related("parent").get(level="village", name=village_name)
        assert village.parent.name == township_name
        assert village.code.startswith(village.parent.code)
        assert {year - 1, year} <= set(village.health_check_enrolled_years)


# --- the register -------------------------------------------------------------------


def test_every_identity_number_is_valid_and_agrees_with_the_row(seeded):
    persons = list(Person.objects.all())
    assert len(persons) > N
    for person in persons:
        parsed = parse_resident_id(person.id_number)
        assert parsed.number == person.id_number
        assert parsed.area_code == "330703"
        assert parsed.birth_date == person.birth_date
        assert parsed.sex == person.sex
        assert person.phone == "" or re.fullmatch(r"1[358]\d{9}", person.phone)
        assert len(person.name) >= 2


def test_households_are_complete_and_varied(seeded):
    households = list(Household.objects.select_related("area").prefetch_related("members"))
    assert len(households) == N
    for household in households:
        assert household.area.level == Area.Level.VILLAGE
        assert household.number.startswith(household.area_id)
        heads = [p for p in household.members.all() if p.relationship == "head"]
        assert len(heads) == 1, household.number
    assert any(h.one_child_certificate_date for h in households)
    assert any(h.second_birth_renounced_date for h in households)
    assert any(h.two_daughter_household for h in households)
    assert any(h.hardship for h in households)
    assert any(h.special_family for h in households)
    assert any(h.registration == "migrant" for h in households)
    assert len({h.annual_income_yuan for h in households}) > N // 2
    assert Membership.objects.count() > Person.objects.count() // 4


# --- idempotence and determinism ----------------------------------------------------


def test_second_run_changes_nothing(db):
    run_command()
    before = snapshot()
    output = run_command()
    assert snapshot() == before
    assert f"households {N} (+0)" in output
    assert "users 11 (+0)" in output


def test_the_demo_seeds_every_part_of_the_associations_year_once(db):
    from casework.contacts.models import ContactAssignment, ReportingRound
    from casework.duescampaigns.models import DuesCampaign
    from casework.fund.models import FundEntry
    from casework.healthchecks.models import HealthCheckCampaign
    from casework.organisation.models import OfficeHolder, OrgUnit
    from casework.pairings.models import PairingContract
    from casework.projects.models import IncomeProject

    report = demo.seed_demo(households=N)
    parts = (OrgUnit, OfficeHolder, HealthCheckCampaign, ContactAssignment, ReportingRound,
             IncomeProject, PairingContract, DuesCampaign, FundEntry)
    counts = {model.__name__: model.objects.count() for model in parts}
    assert all(counts.values()), counts
    # a full-time vice-president in each of the report's 245 villages of 500+ people
    assert OfficeHolder.objects.filter(office="fulltime_vice_president",
                                       area__level="village").count() == demo.VILLAGE_TOTAL
    assert any("245 villages" in note for note in report.notes)
    demo.seed_demo(households=N)
    assert {model.__name__: model.objects.count() for model in parts} == counts


def test_larger_run_adds_only_the_missing_households(db):
    demo.seed_demo(households=30)
    first = snapshot()
    report = demo.seed_demo(households=N)
    assert report.created["households"] == N - 30
    assert Household.objects.count() == N
    after = snapshot()
    assert after["households"][:30] == first["households"]
    assert after["persons"][:len(first["persons"])] == first["persons"]
    assert after["users"] == first["users"]


def test_plan_is_deterministic_and_a_larger_plan_extends_a_smaller_one():
    plan = demo.plan_households(N)
    assert plan == demo.plan_households(N)
    assert demo.plan_households(N + 25)[:N] == plan
    numbers = [p.id_number for h in plan for p in h.persons]
    assert len(numbers) == len(set(numbers))
    assert demo.plan_villages()[0].code == "330703001201"
    # pinned: a changed value here means the generator changed (bump demo.SEED on purpose)
    assert plan[0].number == "330703200201-0001"
    assert plan[0].persons[0].id_number == "330703195704163438"


def _plan_digest() -> str:
    plan = demo.plan_households(N)
    return hashlib.sha256(repr((demo.plan_villages(), plan)).encode()).hexdigest()


def test_plan_does_not_depend_on_the_process():
    """Another interpreter with another hash seed computes the same register."""
    code = ("import django; django.setup(); "
            "from tests.casework.test_seed_demo import _plan_digest; print(_plan_digest())")
    env = {**os.environ, "PYTHONHASHSEED": "4242",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=Path(django_settings.BASE_DIR), check=True)
    assert result.stdout.strip().splitlines()[-1] == _plan_digest()


def test_database_holds_exactly_the_plan(seeded):
    plan = demo.plan_households(N)
    for expected in (plan[0], plan[len(demo.DEMO_FAMILIES)]):  # a demo and a generated one
        household = Household.objects.get(number=expected.number)
        for key, value in expected.household_fields().items():
            assert getattr(household, key) == value, key
        rows = list(household.members.select_related("membership").order_by("id"))
        assert [(p.name, p.sex, p.birth_date, p.relationship, p.phone, p.pension_insured,
                 p.id_number) for p in rows] == [
            (p.name, p.sex, p.birth_date, p.relationship, p.phone, p.pension_insured,
             p.id_number) for p in expected.persons]
        for row, person in zip(rows, expected.persons, strict=True):
            membership = getattr(row, "membership", None)
            if person.membership is None:
                assert membership is None
            else:
                assert (membership.number, membership.joined, membership.role,
                        membership.dues_paid_years) == (
                    person.membership.number, person.membership.joined,
                    person.membership.role, list(person.membership.dues_paid_years))


# --- accounts ---------------------------------------------------------------------


def test_credentials_file_lists_working_accounts_for_every_role(db, tmp_path):
    path = tmp_path / "not" / "yet" / "demo-credentials.json"
    run_command(credentials_json=str(path))
    credentials = json.loads(path.read_text(encoding="utf-8"))
    assert {c["role"] for c in credentials} == set(User.Role.values)
    for entry in credentials:
        second_factor = {"totp_secret", "otpauth_uri"} if entry["role"] in (
            django_settings.OTP_REQUIRED_ROLES) else set()
        assert set(entry) == {"username", "password", "role", "area_code"} | second_factor
        area = Area.objects.get(code=entry["area_code"])
        assert area.level == ROLE_LEVEL[entry["role"]], entry["username"]
        user = authenticate(username=entry["username"], password=entry["password"])
        assert user is not None, entry["username"]
        assert (user.role, user.area_id) == (entry["role"], entry["area_code"])
        validate_password(entry["password"], user)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()


def test_every_demo_role_logs_in_through_the_api_from_the_credentials_file_alone(
        db, tmp_path):
    """District approvers, auditors and the administrator must give a TOTP code: the file
    holds their secret (development only), from which the code is computed as an
    authenticator app would; ``manage.py totp_code`` prints it."""
    from rest_framework.test import APIClient

    path = tmp_path / "demo-credentials.json"
    run_command(credentials_json=str(path))
    credentials = json.loads(path.read_text(encoding="utf-8"))
    one_per_role = {entry["role"]: entry for entry in credentials}
    assert set(one_per_role) == set(User.Role.values)
    client = APIClient()
    for role, entry in one_per_role.items():
        body = {"username": entry["username"], "password": entry["password"]}
        if "totp_secret" in entry:
            assert entry["otpauth_uri"].startswith("otpauth://totp/")
            assert f"secret={entry['totp_secret']}" in entry["otpauth_uri"]
            refused = client.post("/api/v1/auth/token/", body, format="json")
            assert refused.status_code == 400 and "otp" in refused.json(), role
            out = io.StringIO()
            call_command("totp_code", entry["totp_secret"], stdout=out)
            body["otp"] = out.getvalue().strip()
        response = client.post("/api/v1/auth/token/", body, format="json")
        assert response.status_code == 200, (role, response.content)
        assert response.json()["token"]


def test_production_keeps_enrolment_on_first_login(db, tmp_path, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.IS_PRODUCTION = True
    path = tmp_path / "demo-credentials.json"
    run_command(credentials_json=str(path))
    credentials = json.loads(path.read_text(encoding="utf-8"))
    assert not any("totp_secret" in entry for entry in credentials)
    assert not TOTPDevice.objects.exists()


def test_a_rerun_keeps_the_demo_secrets_and_an_own_device(db, tmp_path):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    first, second = tmp_path / "first.json", tmp_path / "second.json"
    run_command(credentials_json=str(first))
    district = User.objects.get(username="district")
    TOTPDevice.objects.filter(user__username="auditor").update(key="00" * 20)
    run_command(credentials_json=str(second))
    before = {e["username"]: e for e in json.loads(first.read_text(encoding="utf-8"))}
    after = {e["username"]: e for e in json.loads(second.read_text(encoding="utf-8"))}
    assert after["district"]["totp_secret"] == before["district"]["totp_secret"]
    assert TOTPDevice.objects.filter(user=district, confirmed=True).count() == 1
    assert "totp_secret" not in after["auditor"]  # enrolled its own: its key is not written


def test_two_village_reviewers_in_different_townships_each_with_an_approver(seeded):
    reviewers = list(User.objects.filter(role=User.Role.VILLAGE_REVIEWER)
                     .select_related("area"))
    assert len({r.area.parent_id for r in reviewers}) >= 2
    for reviewer in reviewers:
        assert User.objects.filter(role=User.Role.TOWNSHIP_APPROVER,
                                   area_id=reviewer.area.parent_id).exists()


def test_family_accounts_live_in_their_household_village(seeded):
    families = list(User.objects.filter(role=User.Role.FAMILY).select_related("household"))
    reviewed = set(User.objects.filter(role=User.Role.VILLAGE_REVIEWER)
                   .values_list("area_id", flat=True))
    assert len(families) >= 2
    assert len({f.area_id for f in families}) >= 2
    for family in families:
        assert family.household is not None
        assert family.area_id == family.household.area_id
        assert family.area_id in reviewed, "nobody would review this family's cases"


def test_every_program_has_an_eligible_demo_family(seeded):
    today = timezone.localdate()
    households = [u.household for u in User.objects.filter(role=User.Role.FAMILY)
                  .select_related("household__area")]
    eligible_by_program = {}
    for program in Program.objects.all():
        eligible = [
            person.name for household in households for person in household.members.all()
            if precheck(household=household, applicant_id=person.pk, program=program,
                        on=today)[0].eligible
        ]
        assert eligible, f"no demo family qualifies for {program.code}"
        eligible_by_program[program.code] = set(eligible)
    assert len(eligible_by_program) == 6
    # 少生快富: family_xing's working-age son (源东乡, one-child household, 16,000 yuan a
    # head); his parents are past working age
    assert "邢伟" in eligible_by_program["income_project"]
    assert not {"邢根土", "楼秀英"} & eligible_by_program["income_project"]


def test_demo_accounts_carry_a_case_through_village_and_township(seeded):
    from workflows.applications import services

    family = User.objects.get(username="family_xing")
    head = family.household.members.get(relationship="head")
    case = services.submit_application(
        actor=family, household=family.household, applicant=head,
        program=Program.objects.get(code="medical_discount"))
    assert case.eligible is True
    for username in ("village_xing", "township_yuandong"):
        task = Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                                status__in=["NEW", "ASSIGNED"])
        services.decide(actor=User.objects.get(username=username), task_id=task.pk,
                        decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
