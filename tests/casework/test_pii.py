"""Personal numbers at rest, on screen, in logs and in error reports.

Resident identity numbers and phone numbers are stored encrypted (Fernet, PII_KEYS) with
a keyed lookup hash (PII_HASH_KEY); shown in full only to whom the rule of
``casework.access.may_see_full_identity`` allows, each such view recorded; masked in
lists, for auditors and families, in log lines and in error reports.
"""

import io
import logging
import sys
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, Permission
from django.core import serializers
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory, override_settings
from django.views.debug import get_exception_reporter_class, get_exception_reporter_filter
from rest_framework.test import APIClient

from casework import access, selectors
from casework.models import AccessRecord, Case, Household, Person, User
from casework.personal import crypto
from casework.personal.identity import make_resident_id, mask_personal_text, mask_resident_id
from casework.privacy import access_log
from config.logging_filters import MaskPersonalData
from config.production import check_production_settings
from tests import factories as f

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
PHONE = "13912345678"


def raw_rows(*pks):
    """casework_person as the database holds it: column name -> value, per row."""
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(pks))
        cursor.execute(f"SELECT * FROM casework_person WHERE id IN ({marks})", list(pks))
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def kinds_recorded(user, person=None):
    rows = AccessRecord.objects.filter(user=user)
    if person is not None:
        rows = rows.filter(person=person)
    return sorted(rows.values_list("kind", flat=True))


@pytest.fixture
def home(areas):
    hh = f.household(areas["v11"])
    head = f.person(hh, name="陈一", birth=date(1951, 2, 3), phone=PHONE)
    spouse = f.person(hh, name="林二", birth=date(1953, 4, 5), sex="F", phone="")
    return {"household": hh, "head": head, "spouse": spouse}


# --- at rest --------------------------------------------------------------------------------

def test_the_database_holds_ciphertext_and_hashes_never_the_numbers(home):
    head, spouse = home["head"], home["spouse"]
    rows = {row["id"]: row for row in raw_rows(head.pk, spouse.pk)}
    assert "id_number" not in rows[head.pk] and "phone" not in rows[head.pk]
    for person in (head, spouse):
        row = rows[person.pk]
        assert person.id_number not in str(row)
        assert row["id_number_enc"].startswith(crypto.TOKEN_PREFIX)
        assert len(row["id_number_hash"]) == 64
    assert PHONE not in str(rows[head.pk]) and PHONE[-8:] not in str(rows[head.pk])
    assert rows[head.pk]["phone_enc"].startswith(crypto.TOKEN_PREFIX)
    assert (rows[spouse.pk]["phone_enc"], rows[spouse.pk]["phone_hash"]) == ("", "")
    # in Python: the plaintext, read back and in values()
    fresh = Person.objects.get(pk=head.pk)
    assert (fresh.id_number, fresh.phone) == (head.id_number, PHONE)
    assert Person.objects.filter(pk=head.pk).values_list("id_number", "phone").get() == (
        head.id_number, PHONE)


def test_the_same_number_encrypts_differently_each_time(home):
    head = home["head"]
    before = raw_rows(head.pk)[0]
    head.name = "陈一一"
    head.save()
    after = raw_rows(head.pk)[0]
    assert after["id_number_enc"] != before["id_number_enc"]  # a fresh IV
    assert after["id_number_hash"] == before["id_number_hash"]


def test_lookup_by_number_goes_through_the_hash(home):
    head, spouse = home["head"], home["spouse"]
    number = head.id_number
    assert Person.objects.get(id_number=number) == head
    assert Person.objects.get(id_number=number.lower()) == head  # normalised like stored
    assert set(Person.objects.filter(id_number__in=[number, spouse.id_number, "x"])) == {
        head, spouse}
    assert not Person.objects.filter(id_number=make_resident_id("110105", date(1950, 1, 1),
                                                                1, "M")).exists()
    assert Person.objects.get(phone="+86 139-1234-5678") == head
    assert Person.objects.filter(phone="").get() == spouse
    # across a relation, and excluded
    assert Household.objects.get(members__id_number=number) == home["household"]
    assert spouse in Person.objects.exclude(id_number=number)
    sql = str(Person.objects.filter(id_number=number).query)
    assert "id_number_hash" in sql and number not in sql
    with pytest.raises(FieldError):
        list(Person.objects.filter(id_number__startswith=number[:6]))


def test_one_person_per_identity_number(home):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(household=home["household"], name="重复",
                              id_number=home["head"].id_number.lower(), sex="M",
                              birth_date=date(1951, 2, 3))


def test_the_hash_follows_the_number(home):
    head = home["head"]
    old = head.id_number
    new = make_resident_id("330703", date(1951, 2, 3), 601, "M")
    head.id_number = new
    head.save()
    assert Person.objects.get(id_number=new) == head
    assert not Person.objects.filter(id_number=old).exists()
    # bulk_update keeps it too when both fields are named
    head.id_number, head.phone = old, "13700001111"
    Person.objects.bulk_update([head], ["id_number", "id_number_hash", "phone", "phone_hash"])
    assert Person.objects.get(id_number=old, phone="13700001111") == head


def test_dumpdata_writes_ciphertext_and_loaddata_opens_it(home):
    head = home["head"]
    text = serializers.serialize("json", [head])
    assert head.id_number not in text and PHONE not in text
    (loaded,) = serializers.deserialize("json", text)
    assert (loaded.object.id_number, loaded.object.phone) == (head.id_number, PHONE)


def test_derived_facts_have_columns_of_their_own_and_bulk_facts_decrypts_nothing(home):
    names = {f.name for f in Person._meta.concrete_fields}
    assert {"sex", "birth_date"} <= names
    # casework.register.bulk_facts reads the register with SQL of its own, never these columns: it
    # works with no key that opens them
    from casework.register import bulk_facts

    assert "_enc" not in open(bulk_facts.__file__, encoding="utf-8").read()
    with override_settings(PII_KEYS=[NEW_KEY]):
        chunk = bulk_facts.person_chunk(date(2026, 6, 1), area_prefix=home["household"].area_id)
    assert {pk for pk, _ in chunk} == {home["head"].pk, home["spouse"].pk}


# --- keys: rotation and re-hashing -------------------------------------------------------

def test_rotation_re_encrypts_under_the_first_key_then_the_old_key_can_go(areas):
    with override_settings(PII_KEYS=[OLD_KEY]):
        hh = f.household(areas["v12"])
        people = [f.person(hh, name=f"成员{i}", birth=date(1970, 1, 1 + i),
                           phone=f"1370000000{i}") for i in range(3)]
    pks = [p.pk for p in people]
    expected = {p.pk: (p.id_number, p.phone) for p in people}

    with override_settings(PII_KEYS=[NEW_KEY]), pytest.raises(ImproperlyConfigured):
        Person.objects.get(pk=pks[0])  # the old key is still needed

    with override_settings(PII_KEYS=[NEW_KEY, OLD_KEY]):
        # the old key still decrypts until the rows are rotated
        assert {p.pk: (p.id_number, p.phone)
                for p in Person.objects.filter(pk__in=pks)} == expected
        assert not any(crypto.is_current(r["id_number_enc"]) for r in raw_rows(*pks))
        out = io.StringIO()
        call_command("rotate_pii_keys", chunk=2, stdout=out)
        assert "persons checked" in out.getvalue()
        rows = raw_rows(*pks)
        assert all(crypto.is_current(r["id_number_enc"]) and crypto.is_current(r["phone_enc"])
                   for r in rows)
        # idempotent: nothing left to rewrite
        out = io.StringIO()
        call_command("rotate_pii_keys", stdout=out)
        assert ", 0 rewritten under the current key." in out.getvalue()

    with override_settings(PII_KEYS=[NEW_KEY]):  # the removed key is not needed any more
        assert {p.pk: (p.id_number, p.phone)
                for p in Person.objects.filter(pk__in=pks)} == expected
        assert Person.objects.get(id_number=expected[pks[1]][0]).pk == pks[1]


def test_rotation_names_rows_no_key_opens(home):
    with override_settings(PII_KEYS=[NEW_KEY]), pytest.raises(CommandError) as error:
        call_command("rotate_pii_keys", stdout=io.StringIO())
    assert "no key in PII_KEYS opens" in str(error.value)
    assert str(home["head"].pk) in str(error.value)


def test_a_new_hash_key_needs_the_rehash(home):
    number = home["head"].id_number
    with override_settings(PII_HASH_KEY="another-lookup-hash-key-of-32-characters"):
        assert not Person.objects.filter(id_number=number).exists()
        call_command("rotate_pii_keys", rehash=True, stdout=io.StringIO())
        assert Person.objects.get(id_number=number) == home["head"]
        assert Person.objects.get(phone=PHONE) == home["head"]


# --- who sees the full numbers ----------------------------------------------------------------

@pytest.fixture
def people(areas, staff, home):
    return {**staff,
            "family": f.user("family", areas["v11"], household=home["household"]),
            "admin": f.user("admin", areas["district"]),
            "admin_other": f.user("admin", areas["t2"])}


@pytest.mark.parametrize("who, full", [
    ("village", True), ("township", True), ("district", True), ("admin", True),
    ("village_other", False), ("township_other", False), ("admin_other", False),
    ("auditor", False), ("family", False),
])
def test_the_rule(people, home, who, full):
    assert access.may_see_full_identity(people[who], home["head"]) is full


def test_the_rule_refuses_the_anonymous_and_the_inactive_and_lets_a_superuser_see(
        people, home):
    assert not access.may_see_full_identity(AnonymousUser(), home["head"])
    people["district"].is_active = False
    assert not access.may_see_full_identity(people["district"], home["head"])
    root = User.objects.create_superuser("root", password="pw-Test-12345")
    assert access.may_see_full_identity(root, home["head"])


def household_api(user, pk):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/households/{pk}/")


@pytest.mark.parametrize("who", ["village", "township", "district", "admin"])
def test_the_household_shows_full_numbers_to_whom_needs_them_and_records_it(people, home,
                                                                            who):
    user, head, spouse = people[who], home["head"], home["spouse"]
    response = household_api(user, home["household"].pk)
    assert response.status_code == 200
    members = {m["id"]: m for m in response.json()["members"]}
    assert members[head.pk]["id_number"] == head.id_number
    assert members[head.pk]["phone"] == PHONE
    assert members[spouse.pk]["id_number"] == spouse.id_number
    # one record per person shown, with the purpose; a phone only where there is one
    assert kinds_recorded(user, head) == ["phone", "resident_id"]
    assert kinds_recorded(user, spouse) == ["resident_id"]
    record = AccessRecord.objects.filter(user=user, person=head).first()
    # stored in the site's language, whoever reads it
    assert record.purpose == f"花名册资料：第{home['household'].pk}户"
    assert record.path == f"/api/v1/households/{home['household'].pk}/"


@pytest.mark.parametrize("who", ["auditor", "family"])
def test_auditors_and_families_see_masked_numbers_and_nothing_is_recorded(people, home, who):
    user, head = people[who], home["head"]
    response = household_api(user, home["household"].pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert head.id_number not in body and PHONE not in body
    members = {m["id"]: m for m in response.json()["members"]}
    assert members[head.pk]["id_number"] == mask_resident_id(head.id_number)
    assert members[head.pk]["phone"] == "139****5678"
    assert kinds_recorded(user) == []


def test_lists_are_masked_whoever_asks(people, home, programs):
    user, head = people["district"], home["head"]
    f.case(head, programs["health_check"], status="village_review")
    client = APIClient()
    client.force_authenticate(user)
    for url in ("/api/v1/households/", "/api/v1/cases/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert head.id_number not in body and PHONE not in body, url
    assert kinds_recorded(user) == []


def test_registering_a_household_records_the_numbers_shown_back(people, areas):
    user = people["village"]
    number = make_resident_id("330703", date(1962, 8, 9), 77, "F")
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/v1/households/", {
        "number": "H-PII-1", "area": areas["v11"].code, "registration": "local",
        "members": [{"name": "周三", "id_number": number, "phone": "138 0000 9999"}],
    }, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["members"][0]["id_number"] == number
    person = Person.objects.get(id_number=number)
    assert person.phone == "13800009999"
    record = AccessRecord.objects.get(user=user, person=person, kind="resident_id")
    assert record.purpose.startswith("登记家庭户：第")


def test_the_case_file_shows_the_full_number_to_the_approver_and_records_it(people, home,
                                                                           programs):
    case = f.case(home["head"], programs["health_check"], status="township_review")
    for who, full in (("township", True), ("auditor", False), ("township_other", False)):
        user = people[who]
        ctx = selectors.case_context(Case.objects.select_related(
            "applicant", "household").get(pk=case.pk), user)
        assert not AccessRecord.objects.filter(user=user).exists()  # a selector only reads
        # the page that shows it records it (workflows.case_file.case_file_context)
        access_log.record_reveal(user, ctx["revealed"], case=case,
                                 purpose=access_log.case_file_purpose(case))
        shown = ctx["applicant_id_number"]
        if full:
            assert shown == home["head"].id_number
            record = AccessRecord.objects.get(user=user)
            assert (record.kind, record.case_id, record.person_id) == (
                "resident_id", case.pk, home["head"].pk)
            assert f"第{case.pk}号申请" in record.purpose  # the site's language
        else:
            assert shown == mask_resident_id(home["head"].id_number)
            assert kinds_recorded(user) == []


# --- the admin --------------------------------------------------------------------------------

@pytest.fixture
def person_admin():
    return admin.site._registry[Person]


def admin_request(user, method="get", path="/admin/casework/person/", data=None):
    request = getattr(RequestFactory(), method)(path, data or {})
    request.user = user
    request._dont_enforce_csrf_checks = True
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.cache import SessionStore

    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="pw-Test-12345")


def test_the_admin_lists_and_edits_masked(person_admin, root, home):
    head = home["head"]
    page = person_admin.changelist_view(admin_request(root))
    page.render()
    text = page.content.decode()
    assert head.name in text and mask_resident_id(head.id_number) in text
    assert head.id_number not in text and PHONE not in text

    url = f"/admin/casework/person/{head.pk}/change/"
    page = person_admin.change_view(admin_request(root, path=url), str(head.pk))
    page.render()
    text = page.content.decode()
    assert mask_resident_id(head.id_number) in text and "139****5678" in text
    assert head.id_number not in text and PHONE not in text
    assert f"/admin/casework/person/{head.pk}/reveal/" in text

    form = page.context_data["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(name="陈一改", household=head.household_id)
    response = person_admin.change_view(admin_request(root, "post", url, data), str(head.pk))
    assert response.status_code == 302, getattr(response, "context_data", {}).get(
        "adminform") and response.context_data["adminform"].form.errors
    head.refresh_from_db()
    assert (head.name, head.phone) == ("陈一改", PHONE)  # the masked values kept the numbers

    data.update(phone="13600001234")
    response = person_admin.change_view(admin_request(root, "post", url, data), str(head.pk))
    assert response.status_code == 302
    assert Person.objects.get(pk=head.pk).phone == "13600001234"


def test_the_household_admin_shows_its_members_masked(root, home):
    household_admin = admin.site._registry[Household]
    hh = home["household"]
    page = household_admin.change_view(
        admin_request(root, path=f"/admin/casework/household/{hh.pk}/change/"), str(hh.pk))
    page.render()
    text = page.content.decode()
    assert mask_resident_id(home["head"].id_number) in text and "139****5678" in text
    assert home["head"].id_number not in text and PHONE not in text


def test_the_admin_finds_a_person_by_a_whole_number(person_admin, root, home):
    head = home["head"]
    for term in (head.id_number, head.id_number.lower(), PHONE):
        queryset, _ = person_admin.get_search_results(admin_request(root),
                                                      Person.objects.all(), term)
        assert list(queryset) == [head], term


def test_the_admin_reveals_on_request_with_a_purpose_and_records_it(person_admin, root, home):
    head = home["head"]
    url = f"/admin/casework/person/{head.pk}/reveal/"
    page = person_admin.reveal_view(admin_request(root, path=url), head.pk)
    page.render()
    assert head.id_number not in page.content.decode()
    assert kinds_recorded(root) == []

    page = person_admin.reveal_view(admin_request(root, "post", url, {"purpose": "x"}),
                                    head.pk)
    page.render()
    assert head.id_number not in page.content.decode()  # a purpose is required
    assert kinds_recorded(root) == []

    page = person_admin.reveal_view(
        admin_request(root, "post", url, {"purpose": "核对低保申请人身份"}), head.pk)
    page.render()
    text = page.content.decode()
    assert head.id_number in text and PHONE in text
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    assert kinds_recorded(root, head) == ["phone", "resident_id"]
    assert AccessRecord.objects.filter(user=root).first().purpose == "核对低保申请人身份"


def test_the_admin_refuses_to_reveal_to_whom_the_rule_does_not_allow(person_admin, home,
                                                                    areas):
    from django.core.exceptions import PermissionDenied

    auditor = f.user("auditor", areas["district"])
    auditor.is_staff = True
    auditor.save()
    auditor.user_permissions.add(Permission.objects.get(codename="view_person"))
    auditor = User.objects.get(pk=auditor.pk)  # fresh permission cache
    url = f"/admin/casework/person/{home['head'].pk}/reveal/"
    with pytest.raises(PermissionDenied):
        person_admin.reveal_view(admin_request(auditor, "post", url, {"purpose": "看看号码"}),
                                 home["head"].pk)
    assert kinds_recorded(auditor) == []


# --- logs and error reports ---------------------------------------------------------------

ID_NUMBER = "11010519491231002X"


def test_the_text_masker():
    text = (f"身份证{ID_NUMBER}，手机{PHONE}; +86 139 1234 5678, tel:+8613912345678, "
            f"lower {ID_NUMBER.lower()}, order 20261130123456789012 stays, 1391234567 too")
    masked = mask_personal_text(text)
    assert "110105********002X" in masked and "110105********002x" in masked
    assert masked.count("139****5678") == 3
    assert ID_NUMBER not in masked and PHONE not in masked and "1234 5678" not in masked
    assert "20261130123456789012" in masked and "1391234567 too" in masked
    assert mask_personal_text(masked) == masked


def test_the_log_filter_masks_message_arguments_and_tracebacks():
    try:
        raise ValueError(f"bad number {ID_NUMBER}")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "SMS to %s about %s",
                               (PHONE, ID_NUMBER), exc_info)
    assert MaskPersonalData().filter(record) is True
    text = logging.Formatter().format(record)
    assert "SMS to 139****5678 about 110105********002X" in text
    assert ID_NUMBER not in text and PHONE not in text
    assert "bad number 110105********002X" in text


def test_every_log_record_is_masked_as_it_is_made(caplog):
    with caplog.at_level(logging.INFO, logger="workflows.notifications.sms"):
        logging.getLogger("workflows.notifications.sms").info("SMS #%s to %s: %s", 7, PHONE, "您好")
    (record,) = caplog.records
    assert record.getMessage() == "SMS #7 to 139****5678: 您好"


def test_the_logging_settings_put_the_filter_on_every_handler(settings):
    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask_personal_data" in handler.get("filters", []), name
    assert settings.LOGGING_CONFIG == "config.logging_filters.configure_logging"


def test_error_reports_mask_the_numbers(settings):
    settings.DEBUG = True
    request = RequestFactory().post(f"/api/v1/households/?q={PHONE}",
                                    {"id_number": ID_NUMBER, "note": "x"})
    request.user = AnonymousUser()

    def failing(person_number, phone):  # noqa: ARG001 (locals shown in the report)
        raise ValueError(f"duplicate {person_number}")

    try:
        failing(ID_NUMBER, PHONE)
    except ValueError:
        exc_info = sys.exc_info()
    reporter_filter = get_exception_reporter_filter(request)
    assert type(reporter_filter).__name__ == "PersonalDataReporterFilter"
    assert reporter_filter.get_post_parameters(request)["id_number"] == "110105********002X"
    reporter = get_exception_reporter_class(request)(request, *exc_info)
    for text in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert ID_NUMBER not in text and PHONE not in text
        assert "110105********002X" in text


# --- production ---------------------------------------------------------------------------

def test_production_refuses_to_start_without_the_personal_data_keys(tmp_path):
    from tests.config.test_production_settings import (
        PRODUCTION,
        SETUP,
        good_settings,
        run_django,
    )

    problems = check_production_settings(good_settings(PII_KEYS=[], PII_HASH_KEY=""))
    assert any("PII_KEYS is missing" in p for p in problems)
    assert any("PII_HASH_KEY is missing" in p for p in problems)
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("PII_")}
    result = run_django(tmp_path, SETUP, **env)
    assert result.returncode != 0
    assert "PII_KEYS is missing" in result.stderr and "PII_HASH_KEY is missing" in result.stderr
    result = run_django(tmp_path, SETUP, **PRODUCTION)
    assert result.returncode == 0, result.stderr


# --- PostgreSQL: the register change log --------------------------------------------------

@pytest.mark.requires_postgres("the register change log is a PostgreSQL trigger")
def test_the_change_log_names_changed_numbers_and_never_copies_them(home):
    from casework.models import RegisterChange

    head = home["head"]

    def logged():
        return list(RegisterChange.objects.filter(table="casework_person",
                                                  row_id=str(head.pk)).order_by("id"))

    inserted = logged()[0]
    assert inserted.new["id_number"] == "***" and inserted.new["phone"] == "***"
    assert not any(key.endswith(("_enc", "_hash")) for key in inserted.new)
    assert head.id_number not in str(inserted.new)
    head.name = "新名"
    head.save()  # re-encrypts both numbers: not a change of them
    assert logged()[-1].new == {"name": "新名"}
    head.phone = "13700007777"
    head.save()
    assert logged()[-1].new == {"phone": "***"}
    before = len(logged())
    with override_settings(PII_KEYS=[NEW_KEY, *crypto.encryption_keys()]):
        call_command("rotate_pii_keys", stdout=io.StringIO())
    assert len(logged()) == before  # a rotation changes no value
