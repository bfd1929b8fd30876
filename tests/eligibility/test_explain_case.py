"""``manage.py explain_case``: the stored decision, its replay, and today's rules."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from casework.models import Case
from eligibility import rules
from eligibility.evaluate import evaluate
from eligibility.facts import Facts
from eligibility.models import PolicyParameter
from tests.eligibility.test_replay import PENSION_NEXT, PENSION_NOW, rule_next
from workflows.applications.services import submit_application

pytestmark = pytest.mark.django_db


def explain(case_id, *args):
    out = StringIO()
    call_command("explain_case", str(case_id), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def case(programs, family_home):
    on = timezone.localdate() - timedelta(days=30)
    return submit_application(actor=family_home["user"], household=family_home["household"],
                              program=programs["pension_subsidy"],
                              applicant=family_home["applicant"], on=on)


def _raise_min_age(programs, value):
    today = timezone.localdate()
    pension = programs["pension_subsidy"]
    PolicyParameter.objects.filter(program=pension, key="min_age").update(
        effective_to=today - timedelta(days=1))
    PolicyParameter.objects.create(program=pension, key="min_age", value=value,
                                   effective_from=today, source_document="测试文件",
                                   source_location="第3条")


def test_explains_replays_and_compares_in_english(case):
    text = explain(case.pk, "--lang", "en")
    applied = (timezone.localdate() - timedelta(days=30)).isoformat()
    for expected in (
        f"Case #{case.pk}: Pension-insurance subsidy (pension_subsidy)",
        "Applicant: 王大爷",
        f"Application date: {applied}",
        f"Rule version: {PENSION_NOW}",
        "  min_age = 60  [assumed, set locally]",
        "  benefit_yuan = 600  [assumed, set locally]",
        "  public_notice_days = 7  [assumed, set locally]",
        "[passed] second_birth_renounced: The couple's renunciation of a second birth is on "
        "record: yes",
        "[passed] min_age: Applicant is aged 60 or over: yes",
        "[passed] pension_insured: Enrolled in resident pension insurance: yes",
        "[passed] no_duplicate:",
        "Decision: eligible",
        "replayed: same result",
        "today's rules would decide the same: eligible",
        "no criterion changed",
    ):
        assert expected in text, expected
    assert "DIFFERENT" not in text and "otherwise" not in text


def test_names_the_report_as_the_source_of_the_values_it_states(programs, areas):
    from eligibility.defaults import REPORT
    from tests import factories as f

    village = areas["v11"]
    household = f.household(village)
    member = f.person(household, name="体检人")
    account = f.user("family", village, household=household)
    case = submit_application(actor=account, household=household,
                              program=programs["health_check"], applicant=member)
    text = explain(case.pk, "--lang", "en")
    assert f"  checks_per_year = 1  [{REPORT}, seed 000_7c30ed9f65bb5294.txt, line 150]" in text
    assert "  retention_years = 5  [assumed, set locally]" in text
    assert "金东区计划生育协会工作方案" not in text  # a document that does not exist


def test_explains_in_chinese_by_default(case):
    text = explain(case.pk)
    assert f"申请 #{case.pk}：养老保险补助（pension_subsidy）" in text
    assert "申请人年满60周岁：是（" in text
    assert "重算结果：与原结论相同" in text
    assert "按今日规则" in text
    assert explain(case.pk, "--lang", "zh-hans") == text


def test_says_when_todays_rules_would_decide_otherwise(case, programs):
    _raise_min_age(programs, 75)  # the applicant is 70 or 71
    text = explain(case.pk, "--lang", "en")
    assert "replayed: same result" in text
    assert "today's rules would decide otherwise: eligible → not eligible" in text
    assert "parameters changed since:" in text and "    min_age: 60 → 75" in text
    assert "criteria that changed:" in text
    assert ("    min_age: Applicant is aged 60 or over: yes (" in text
            and "→ Applicant is aged 75 or over: no (" in text)
    assert f"Rule version: {PENSION_NOW}" in text and "  min_age = 60" in text


def test_names_a_new_rule_version_and_its_new_criteria(case, monkeypatch):
    monkeypatch.setitem(rules.REGISTRY, PENSION_NEXT, rule_next)
    monkeypatch.setitem(rules.CURRENT, "pension_subsidy", PENSION_NEXT)
    text = explain(case.pk, "--lang", "en")
    assert "replayed: same result" in text  # under its own version, PENSION_NOW
    assert f"the rule has a new version since: {PENSION_NOW} → {PENSION_NEXT}" in text
    assert "today's rules would decide otherwise: eligible → not eligible" in text
    assert "    insured_before_55: absent → Insured before 55: no" in text


def test_a_stored_decision_that_does_not_replay_is_shown_as_a_bug(case):
    stored = dict(case.eligibility)
    stored["criteria"] = [dict(c) for c in stored["criteria"]]
    stored["criteria"][1]["reason_en"] = "tampered"
    Case.objects.filter(pk=case.pk).update(eligibility=stored)
    text = explain(case.pk, "--lang", "en")
    assert "replayed: DIFFERENT result" in text
    assert "    min_age: tampered → Applicant is aged 60 or over: yes" in text


def test_unknown_case_is_a_clear_error(db):
    with pytest.raises(CommandError, match="There is no case with number 999999"):
        explain(999999, "--lang", "en")
    with pytest.raises(CommandError, match="999999"):
        explain(999999)


def test_a_parameter_no_longer_in_force_is_named(case, programs):
    PolicyParameter.objects.filter(program=programs["pension_subsidy"], key="min_age").update(
        effective_to=timezone.localdate() - timedelta(days=1))
    text = explain(case.pk, "--lang", "en")
    assert "replayed: same result" in text
    assert "Today's rules cannot be applied: no value of “min_age” is in force" in text
    assert "参数“min_age”在" in explain(case.pk)


def test_a_case_decided_under_version_1_replays_with_its_wording(case):
    """A case stored before the English reasons were made fully English: it replays under
    its own version, word for word, and the explanation names the newer wording."""
    stored = evaluate(Facts.from_json(case.facts), "pension_subsidy",
                      case.eligibility["parameters"],
                      date.fromisoformat(case.eligibility["on"]), version="pension_subsidy/1")
    Case.objects.filter(pk=case.pk).update(eligibility=stored.to_json(),
                                           rule_version=stored.rule_version)
    age = stored.criterion("min_age").values["age"]
    text = explain(case.pk, "--lang", "en")
    assert "Rule version: pension_subsidy/1" in text
    assert f"[passed] min_age: Applicant is aged 60 or over: yes ({age}岁)" in text
    assert "replayed: same result" in text
    assert f"the rule has a new version since: pension_subsidy/1 → {PENSION_NOW}" in text
    assert "today's rules would decide the same: eligible" in text
    assert (f"    min_age: Applicant is aged 60 or over: yes ({age}岁) → "
            f"Applicant is aged 60 or over: yes (aged {age})") in text
