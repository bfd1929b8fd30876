"""The field rules (``casework.field_rules``): what they accept and refuse, that the model
fields carry them, and that the admin's staff forms apply them (issue 12 point 4)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from casework import field_rules as rules
from casework.models import DuesPayment, Household, Membership, Person, User
from tests import factories as f

from .test_pii import admin_request

# --- the rules -------------------------------------------------------------------------------

INVISIBLE = ["\u200b", "\u200c\u200d", "\u2060\ufeff", "\u202e\u200f", "\u00ad",
             "\u3164", "\uffa0\u115f", "\u2800", "\u0301\u034f", "\u3000\u00a0 \t",
             "\x00\x1f", "\u2028\u2029", "\ufe0f"]
VISIBLE = ["张三", "王\u200b五", "Ōsaka", "e\u0301", "\U000f0000", "\U00031350", "·", "1"]


@pytest.mark.parametrize("text", INVISIBLE)
def test_text_of_invisible_characters_only_is_refused(text):
    assert not rules.has_visible(text)
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            rules.VisibleText("name")(text)
        assert exc.value.messages == [
            "Name needs at least one visible character, not only spaces or invisible "
            "characters."]


@pytest.mark.parametrize("text", VISIBLE)
def test_text_with_a_visible_character_passes(text):
    # private-use characters (some rare characters of names) and code points newer than
    # Python's tables count as visible
    assert rules.has_visible(text)
    rules.VisibleText("name")(text)


def test_blank_text_is_left_to_the_fields_blank():
    rules.VisibleText("name")("")
    rules.VisibleText("name")(None)


def test_normalize_text_removes_invisible_characters_and_folds_spaces():
    assert rules.normalize_text("\ufeff 张\u200b三\u3000\u3000丰\u202e \n") == "张三 丰"
    assert rules.normalize_text(None) == ""


@pytest.mark.parametrize(("amount", "code"), [
    ("-0.01", "money_negative"), ("-5", "money_negative"),
    ("10000000.01", "money_too_large"), ("1e20", "money_too_large"),
    ("NaN", "money_invalid"), ("Infinity", "money_invalid"),
])
def test_money_out_of_range_is_refused(amount, code):
    with pytest.raises(ValidationError) as exc:
        rules.MoneyRule("income")(Decimal(amount))
    assert exc.value.code == code


@pytest.mark.parametrize("amount", ["0", "0.01", "18000", "10000000", "10000000.00"])
def test_money_in_range_passes(amount):
    rules.MoneyRule("income")(Decimal(amount))


def test_a_positive_amount_refuses_zero_and_its_own_bound():
    rule = rules.MoneyRule("amount", maximum=rules.DUES_MAX, positive=True)
    for amount in ("0", "-1"):
        with pytest.raises(ValidationError):
            rule(Decimal(amount))
    with pytest.raises(ValidationError):
        rule(Decimal("1000.01"))
    rule(Decimal("0.01"))


def test_dates_before_1900_or_after_today_are_refused():
    today = timezone.localdate()
    rule = rules.past_date("birth date")
    for day in (date(1, 1, 1), date(1899, 12, 31), today + timedelta(days=1),
                date(9999, 12, 31)):
        with pytest.raises(ValidationError):
            rule(day)
    for day in (date(1900, 1, 1), today):
        rule(day)


def test_planned_dates_may_lie_ten_years_ahead():
    today = timezone.localdate()
    rule = rules.planned_date("ends on")
    rule(rules.latest_date(rules.PLANNED_YEARS))
    rule(today + timedelta(days=365))
    for day in (rules.latest_date(rules.PLANNED_YEARS) + timedelta(days=1),
                date(9999, 12, 31), date(1, 1, 1)):
        with pytest.raises(ValidationError):
            rule(day)


def test_the_latest_planned_date_of_29_february():
    assert rules.latest_date(10, date(2028, 2, 29)) == date(2038, 2, 28)
    assert rules.latest_date(0, date(2028, 2, 29)) == date(2028, 2, 29)


def test_the_message_names_the_field_and_the_limit_in_the_users_language():
    field = Household._meta.get_field("annual_income_yuan")
    with pytest.raises(ValidationError) as exc:
        field.run_validators(Decimal("-5"))
    # the message is made in the language active where it is shown
    with translation.override("en"):
        assert exc.value.messages == ["Annual household income (yuan) cannot be negative."]
    with translation.override("zh-hans"):
        assert "家庭年收入（元）" in exc.value.messages[0]


def test_the_model_fields_carry_the_rules():
    assert [type(r) for r in rules.rules_of(Household, "annual_income_yuan")] == [
        rules.MoneyRule]
    assert [type(r) for r in rules.rules_of(Household, "one_child_certificate_date")] == [
        rules.DateRule]
    assert [type(r) for r in rules.rules_of(Person, "name")] == [rules.VisibleText]
    assert rules.rules_of(DuesPayment, "amount_yuan")[0].maximum == rules.DUES_MAX
    assert rules.rules_of(Membership, "joined")[0].ahead_years == 0


def test_rules_compare_by_their_arguments():
    # the migration autodetector compares fields by value: equal rules, no new migration
    assert rules.MoneyRule("x") == rules.MoneyRule("x")
    assert rules.MoneyRule("x") != rules.MoneyRule("x", positive=True)
    assert rules.past_date("x") != rules.planned_date("x")
    assert rules.MoneyRule("x").deconstruct()[0] == "casework.field_rules.MoneyRule"


def test_check_values_names_the_field_for_the_services():
    from casework.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        rules.check_values(Household, annual_income_yuan=Decimal("-5"))
    assert exc.value.field == "annual_income_yuan"
    rules.check_values(Household, annual_income_yuan=None, one_child_certificate_date=None)


# --- the admin's staff forms -------------------------------------------------------------------

@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="pw-Test-12345")


def _household_data(areas, **changes):
    return {"number": "H-ADM-1", "area": areas["v11"].code, "address": "",
            "registration": "local", "special_family": "", "annual_income_yuan": "18000",
            "one_child_certificate_date": "", "second_birth_renounced_date": "",
            "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "1000", **changes}


@pytest.mark.parametrize(("changes", "field"), [
    ({"annual_income_yuan": "-5"}, "annual_income_yuan"),
    ({"annual_income_yuan": "10000001"}, "annual_income_yuan"),
    ({"one_child_certificate_date": "0001-01-01"}, "one_child_certificate_date"),
    ({"one_child_certificate_date": "9999-12-31"}, "one_child_certificate_date"),
    ({"second_birth_renounced_date": "1899-12-31"}, "second_birth_renounced_date"),
])
def test_the_household_admin_form_refuses_what_the_api_refuses(root, areas, changes, field):
    household_admin = admin.site._registry[Household]
    url = "/admin/casework/household/add/"
    with translation.override("en"):
        response = household_admin.add_view(
            admin_request(root, "post", url, _household_data(areas, **changes)))
    assert response.status_code == 200
    errors = response.context_data["adminform"].form.errors
    assert list(errors) == [field]
    assert not Household.objects.exists()
    # the same form with the value in range saves (the test's data is otherwise good)
    response = household_admin.add_view(admin_request(root, "post", url,
                                                      _household_data(areas)))
    assert response.status_code == 302
    assert Household.objects.get().annual_income_yuan == Decimal("18000")


def test_the_person_admin_form_refuses_an_invisible_name(root, areas):
    home = f.household(areas["v11"])
    head = f.person(home, name="陈一")
    person_admin = admin.site._registry[Person]
    url = f"/admin/casework/person/{head.pk}/change/"
    page = person_admin.change_view(admin_request(root, path=url), str(head.pk))
    form = page.context_data["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(name="\u200b\u200d", household=home.pk)
    response = person_admin.change_view(admin_request(root, "post", url, data), str(head.pk))
    assert response.status_code == 200
    assert list(response.context_data["adminform"].form.errors) == ["name"]
    assert Person.objects.get(pk=head.pk).name == "陈一"
    data.update(name="\u200b陈\u3000一\u200d")  # stored as the API stores it
    response = person_admin.change_view(admin_request(root, "post", url, data), str(head.pk))
    assert response.status_code == 302
    assert Person.objects.get(pk=head.pk).name == "陈 一"
