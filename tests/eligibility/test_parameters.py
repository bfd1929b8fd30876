"""Dated policy parameters: the pure resolver, non-overlapping periods, history in the admin."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from eligibility.defaults import SINCE
from eligibility.models import PolicyParameter
from eligibility.parameters import parameters_on, periods_overlap, resolve
from tests import factories as f

D = date


class TestResolve:
    ROWS = [
        ("min_age", 60, D(2020, 1, 1), None),
        ("min_age", 62, D(2025, 7, 1), None),
        ("benefit_yuan", 600, D(2020, 1, 1), D(2024, 12, 31)),
        ("benefit_yuan", 720, D(2025, 1, 1), None),
        ("pilot", True, D(2024, 3, 1), D(2024, 3, 31)),
    ]

    def test_before_any_start_nothing_is_in_force(self):
        assert resolve(self.ROWS, D(2019, 12, 31)) == {}

    def test_the_latest_start_wins(self):
        assert resolve(self.ROWS, D(2025, 6, 30))["min_age"] == 60
        assert resolve(self.ROWS, D(2025, 7, 1))["min_age"] == 62
        assert resolve(self.ROWS, D(2030, 1, 1))["min_age"] == 62

    def test_effective_to_is_the_last_day_in_force(self):
        assert resolve(self.ROWS, D(2024, 12, 31))["benefit_yuan"] == 600
        assert resolve(self.ROWS, D(2025, 1, 1))["benefit_yuan"] == 720
        assert resolve(self.ROWS, D(2024, 3, 31))["pilot"] is True
        assert "pilot" not in resolve(self.ROWS, D(2024, 4, 1))
        assert "pilot" not in resolve(self.ROWS, D(2024, 2, 29))

    def test_a_temporary_value_gives_way_to_the_earlier_open_row_after_its_end(self):
        rows = [("limit", 12000, D(2020, 1, 1), None), ("limit", 9000, D(2024, 1, 1),
                                                       D(2024, 6, 30))]
        assert [resolve(rows, d)["limit"] for d in (D(2023, 12, 31), D(2024, 1, 1),
                                                    D(2024, 6, 30), D(2024, 7, 1))] == [
            12000, 9000, 9000, 12000]

    def test_order_of_rows_does_not_matter_and_equal_starts_take_the_later_row(self):
        assert resolve(list(reversed(self.ROWS)), D(2025, 7, 1)) == resolve(self.ROWS,
                                                                            D(2025, 7, 1))
        rows = [("k", "first", D(2020, 1, 1), None), ("k", "second", D(2020, 1, 1), None)]
        assert resolve(rows, D(2021, 1, 1)) == {"k": "second"}

    def test_iso_strings_are_dates(self):
        rows = [("k", 1, "2024-01-01", "2024-01-31"), ("k", 2, "2024-02-01", "")]
        assert resolve(rows, D(2024, 1, 31)) == {"k": 1}
        assert resolve(rows, D(2024, 2, 1)) == {"k": 2}

    def test_periods_overlap(self):
        assert periods_overlap(D(2020, 1, 1), None, D(2025, 1, 1), None)
        assert periods_overlap(D(2020, 1, 1), D(2024, 12, 31), D(2024, 12, 31), None)
        assert not periods_overlap(D(2020, 1, 1), D(2024, 12, 30), D(2024, 12, 31), None)
        assert not periods_overlap(D(2025, 1, 1), None, D(2020, 1, 1), D(2024, 12, 31))


def _row(program, key, value, start, end=None, **source):
    return PolicyParameter(program=program, key=key, value=value, effective_from=start,
                           effective_to=end, **(source or {"assumed": True}))


@pytest.mark.django_db
class TestParametersOn:
    def test_reads_through_the_resolver(self, programs):
        pension = programs["pension_subsidy"]
        PolicyParameter.objects.filter(program=pension, key="min_age").update(
            effective_to=D(2025, 6, 30))
        _row(pension, "min_age", 62, D(2025, 7, 1)).save()
        assert parameters_on(pension, D(2025, 6, 30))["min_age"] == 60
        assert parameters_on(pension.pk, D(2025, 7, 1))["min_age"] == 62
        assert parameters_on(pension, D(2019, 1, 1)) == {}
        assert list(parameters_on(pension, D(2025, 7, 1))) == sorted(
            parameters_on(pension, D(2025, 7, 1)))


@pytest.mark.django_db
class TestOverlapValidation:
    def test_a_period_starting_inside_another_is_refused_on_effective_from(self, programs):
        row = _row(programs["pension_subsidy"], "min_age", 65, D(2025, 1, 1))
        with translation.override("en"), pytest.raises(ValidationError) as info:
            row.full_clean()
        errors = info.value.message_dict
        assert list(errors) == ["effective_from"]
        assert "“Effective from” falls within the period of “min_age”" in errors[
            "effective_from"][0]
        assert "from 2020-01-01 to open-ended" in errors["effective_from"][0]

    def test_a_period_reaching_into_a_later_one_is_refused_on_effective_to(self, programs):
        pension = programs["pension_subsidy"]
        PolicyParameter.objects.filter(program=pension, key="min_age").update(
            effective_from=D(2024, 1, 1))
        row = _row(pension, "min_age", 55, D(2021, 1, 1), D(2024, 1, 1))
        with translation.override("en"), pytest.raises(ValidationError) as info:
            row.full_clean()
        assert list(info.value.message_dict) == ["effective_to"]
        assert "end this period before 2024-01-01" in info.value.messages[0]

    def test_the_error_is_translated(self, programs):
        row = _row(programs["pension_subsidy"], "min_age", 65, D(2025, 1, 1))
        with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
            row.full_clean()
        message = info.value.message_dict["effective_from"][0]
        assert "生效日期" in message and "重叠" in message and "长期有效" in message

    def test_ending_the_old_period_first_lets_the_new_one_in(self, programs):
        pension = programs["pension_subsidy"]
        old = PolicyParameter.objects.get(program=pension, key="min_age")
        old.effective_to = D(2024, 12, 31)
        old.full_clean()
        old.save()
        new = _row(pension, "min_age", 65, D(2025, 1, 1))
        new.full_clean()  # the day after: no overlap
        new.save()
        old.full_clean()  # editing a row does not clash with itself
        same_day = _row(pension, "min_age", 66, D(2024, 12, 31), D(2024, 12, 31))
        with pytest.raises(ValidationError):
            same_day.full_clean()

    def test_other_keys_and_programs_do_not_clash(self, programs):
        _row(programs["pension_subsidy"], "new_key", 1, D(2025, 1, 1)).full_clean()
        _row(programs["welfare_grant"], "pension_like", 60, SINCE).full_clean()

    def test_an_end_before_the_start_is_refused_on_effective_to(self, programs):
        row = _row(programs["pension_subsidy"], "new_key", 1, D(2025, 1, 1), D(2024, 1, 1))
        with pytest.raises(ValidationError) as info:
            row.full_clean()
        assert "effective_to" in info.value.message_dict


@pytest.fixture
def admin_client_user(client, areas):
    user = f.user("admin", areas["district"])
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client, user


def _form(parameter, **changes):
    data = {
        "program": parameter.program_id, "key": parameter.key, "value": str(parameter.value),
        "effective_from": parameter.effective_from.isoformat(),
        "effective_to": parameter.effective_to.isoformat() if parameter.effective_to else "",
        "source_document": parameter.source_document,
        "source_location": parameter.source_location, "note": parameter.note,
    }
    if parameter.assumed:
        data["assumed"] = "on"
    data.update(changes)
    return data


@pytest.mark.django_db
class TestSources:
    """Every value names where it comes from: the report and its line, or "assumed, set
    locally"; never a document that does not state it."""

    def test_a_value_with_neither_a_source_nor_assumed_is_refused(self, programs):
        row = _row(programs["pension_subsidy"], "min_age", 65, D(2030, 1, 1),
                   source_document="", assumed=False)
        PolicyParameter.objects.filter(program=programs["pension_subsidy"],
                                       key="min_age").update(effective_to=D(2029, 12, 31))
        with translation.override("en"), pytest.raises(ValidationError) as info:
            row.full_clean()
        assert list(info.value.message_dict) == ["source_document"]
        assert "assumed, set locally" in info.value.message_dict["source_document"][0]

    def test_the_defaults_cite_the_report_where_it_states_them_else_assumed(self, programs):
        from eligibility.defaults import REPORT, STATED

        rows = PolicyParameter.objects.select_related("program")
        assert not rows.filter(source_document="金东区计划生育协会工作方案").exists()
        for row in rows:
            stated = (row.program.code, row.key) in STATED
            assert row.assumed is not stated, (row.program.code, row.key)
            if stated:
                assert row.source_document == REPORT
                assert row.source_location.startswith("seed 000_7c30ed9f65bb5294.txt, line")
            else:
                assert row.source_document == "" and row.source_location == ""
        card = rows.get(program__code="medical_discount", key="card_benefits")
        assert card.source_location.endswith("lines 146-149")
        with translation.override("en"):
            assert rows.get(program__code="pension_subsidy", key="min_age").source_label == (
                "assumed, set locally")
            assert card.source_label == f"{REPORT}, {card.source_location}"


@pytest.mark.django_db
class TestAdmin:
    def test_an_overlapping_row_is_refused_in_the_admin_form(self, programs, admin_client_user):
        client, _user = admin_client_user
        old = PolicyParameter.objects.get(program=programs["pension_subsidy"], key="min_age")
        response = client.post(reverse("admin:eligibility_policyparameter_add"),
                               _form(old, value="65", effective_from="2025-01-01"),
                               HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200  # the form again, with the error
        form = response.context["adminform"].form
        assert list(form.errors) == ["effective_from"]
        assert "Periods of one parameter must not overlap" in form.errors["effective_from"][0]
        assert PolicyParameter.objects.filter(key="min_age",
                                              program=programs["pension_subsidy"]).count() == 1

    def test_editing_a_parameter_records_who_changed_what_and_when(self, programs,
                                                                     admin_client_user):
        client, user = admin_client_user
        old = PolicyParameter.objects.get(program=programs["pension_subsidy"], key="min_age")
        assert old.history.count() == 1  # created by install_programs
        response = client.post(
            reverse("admin:eligibility_policyparameter_change", args=[old.pk]),
            _form(old, effective_to="2024-12-31"))
        assert response.status_code == 302, response.context["adminform"].form.errors
        response = client.post(reverse("admin:eligibility_policyparameter_add"),
                               _form(old, value="65", effective_from="2025-01-01",
                                     effective_to="", note="2025 policy"))
        assert response.status_code == 302, response.context["adminform"].form.errors

        change = old.history.first()  # newest first
        assert change.history_type == "~" and change.history_user == user
        assert change.effective_to == D(2024, 12, 31)
        delta = change.diff_against(change.prev_record)
        assert [(c.field, c.old, c.new) for c in delta.changes] == [
            ("effective_to", None, D(2024, 12, 31))]
        new = PolicyParameter.objects.get(program=programs["pension_subsidy"], key="min_age",
                                          effective_from=D(2025, 1, 1))
        assert new.value == 65
        assert new.history.get().history_type == "+" and new.history.get().history_user == user

        page = client.get(reverse("admin:eligibility_policyparameter_history", args=[old.pk]))
        assert page.status_code == 200
        assert user.username in page.content.decode()

    def test_program_changes_are_recorded_too(self, programs, admin_client_user):
        client, user = admin_client_user
        program = programs["health_check"]
        response = client.post(
            reverse("admin:eligibility_program_change", args=[program.pk]),
            {"code": program.code, "name_zh": program.name_zh, "name_en": program.name_en,
             "description": "", "is_cash": "", "active": "",
             "parameters-TOTAL_FORMS": "0", "parameters-INITIAL_FORMS": "0"})
        assert response.status_code == 302, response.content.decode()[:2000]
        program.refresh_from_db()
        assert program.active is False
        record = program.history.first()
        assert record.history_user == user and record.active is False

    def test_admin_pages_render_with_history(self, programs, admin_client_user):
        client, _user = admin_client_user
        program = programs["pension_subsidy"]
        parameter = PolicyParameter.objects.filter(program=program).first()
        for url in (
            reverse("admin:eligibility_program_changelist"),
            reverse("admin:eligibility_program_change", args=[program.pk]),
            reverse("admin:eligibility_program_history", args=[program.pk]),
            reverse("admin:eligibility_policyparameter_changelist"),
            reverse("admin:eligibility_policyparameter_add"),
            reverse("admin:eligibility_policyparameter_change", args=[parameter.pk]),
            reverse("admin:eligibility_policyparameter_history", args=[parameter.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
        page = client.get(reverse("admin:eligibility_policyparameter_add")).content.decode()
        assert "同一参数的有效期不得重叠" in page  # the help text, in the default language


@pytest.mark.django_db
def test_the_migration_marks_the_health_checks_renewal_assumed(programs):
    """A deployment whose health-check ``renewal`` still cites line 150 (which states a
    check each year, not a new application) has it marked assumed; a row an
    administrator sourced otherwise keeps its source."""
    from importlib import import_module

    from django.apps import apps

    from eligibility.defaults import REPORT

    rows = PolicyParameter.objects.filter(program=programs["health_check"])
    renewal = rows.get(key="renewal")
    assert renewal.assumed and renewal.source_document == ""  # a fresh install's
    rows.filter(key="renewal").update(
        source_document=REPORT, source_location="seed 000_7c30ed9f65bb5294.txt, line 150",
        assumed=False)
    local = PolicyParameter.objects.create(
        program=programs["health_check"], key="renewal", value="application",
        effective_from=date(2031, 1, 1), source_document="镇乡通知 2031", assumed=False)
    import_module("eligibility.migrations.0005_health_check_renewal_assumed").forwards(
        apps, None)
    renewal.refresh_from_db()
    local.refresh_from_db()
    assert (renewal.assumed, renewal.source_document, renewal.source_location) == (
        True, "", "")
    assert (local.assumed, local.source_document) == (False, "镇乡通知 2031")
    checks = rows.get(key="checks_per_year")
    assert not checks.assumed and checks.source_location.endswith("line 150")
