"""Rule versions replay forever: the registry, ``replay`` and stored cases."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from eligibility import rules
from eligibility.decision import check, compare
from eligibility.evaluate import UnknownRuleVersion, evaluate, replay, snapshot
from eligibility.facts import Facts, PersonFacts
from eligibility.models import PolicyParameter
from eligibility.parameters import parameters_on
from eligibility.rules import CURRENT, pension_subsidy
from workflows.applications.services import submit_application

ON = date(2024, 6, 1)
PARAMS = {"min_age": 60, "benefit_yuan": 600, "approval_level": "district"}


def _facts(birth=date(1962, 3, 1)) -> Facts:
    applicant = PersonFacts(person_id=7, sex="F", birth_date=birth, relationship="head",
                            is_active_member=True, pension_insured=True)
    return Facts(household_id=3, village_code="330703001001", registration="local",
                 applicant=applicant, members=(applicant,),
                 second_birth_renounced_date=date(1990, 1, 1))


def _stored(decision, facts):
    """As a case keeps it: through JSON and back."""
    return json.loads(json.dumps(snapshot(facts, decision)))


#: the pension's version today, and the number a next release would take
PENSION_NOW = CURRENT["pension_subsidy"]
PENSION_NEXT = f"pension_subsidy/{int(PENSION_NOW.rsplit('/', 1)[1]) + 1}"


def rule_next(facts, params, on):
    """A stand-in for a later version that also asks for a minimum insurance age."""
    return (*pension_subsidy.rule(facts, params, on),
            check("insured_before_55", False, "55周岁前参保", "Insured before 55"))


@pytest.fixture
def version_next(monkeypatch):
    monkeypatch.setitem(rules.REGISTRY, PENSION_NEXT, rule_next)
    monkeypatch.setitem(rules.CURRENT, "pension_subsidy", PENSION_NEXT)


class TestRegistry:
    def test_every_module_version_is_registered_under_its_program(self):
        for module in rules.MODULES:
            assert rules.CURRENT[module.PROGRAM] == module.RULE_VERSION
            assert module.rule is module.VERSIONS[module.RULE_VERSION]
            for version, function in module.VERSIONS.items():
                assert rules.rule_for(version) is function
                assert rules.program_of(version) == module.PROGRAM
        assert rules.RULES["pension_subsidy"] == ("pension_subsidy/4",
                                                  pension_subsidy.rule_v4)
        assert rules.rule_for("pension_subsidy/3") is pension_subsidy.rule_v3  # kept
        assert rules.rule_for("pension_subsidy/2") is pension_subsidy.rule_v2  # kept
        assert rules.rule_for("pension_subsidy/1") is pension_subsidy.rule_v1  # kept

    def test_an_unknown_version_is_refused(self):
        with pytest.raises(UnknownRuleVersion):
            rules.rule_for("pension_subsidy/99")
        with pytest.raises(UnknownRuleVersion):  # another program's version
            evaluate(_facts(), "pension_subsidy", PARAMS, ON, version="welfare_grant/1")

    def test_evaluate_uses_a_named_old_version(self, version_next):
        assert evaluate(_facts(), "pension_subsidy", PARAMS, ON).rule_version == PENSION_NEXT
        old = evaluate(_facts(), "pension_subsidy", PARAMS, ON, version="pension_subsidy/1")
        assert old.rule_version == "pension_subsidy/1" and old.eligible


class TestReplay:
    def test_a_stored_decision_replays_identically(self):
        facts = _facts()
        decision = evaluate(facts, "pension_subsidy", PARAMS, ON)
        stored = _stored(decision, facts)
        again = replay(stored)
        assert again == decision
        assert again.to_json() == stored["eligibility"]

    def test_replay_uses_the_stored_parameters_and_date_not_todays(self):
        facts = _facts(birth=date(1964, 6, 2))  # 59 on ON, 60 the next day
        stored = _stored(evaluate(facts, "pension_subsidy", PARAMS, ON), facts)
        assert replay(stored).failed_codes == ["min_age"]
        # the stored values are what counts, whatever was passed in later
        stored["eligibility"]["parameters"]["min_age"] = 59
        assert replay(stored).eligible

    def test_replay_uses_the_stored_rule_version_after_a_new_one(self, version_next):
        facts = _facts()
        stored = _stored(evaluate(facts, "pension_subsidy", PARAMS, ON,
                                  version=PENSION_NOW), facts)
        replayed = replay(stored)
        assert replayed.rule_version == PENSION_NOW and replayed.eligible
        today = evaluate(Facts.from_json(stored["facts"]), "pension_subsidy", PARAMS, ON)
        assert not today.eligible
        [change] = compare(replayed, today)
        assert change.code == "insured_before_55" and change.before is None

    def test_every_program_replays(self):
        from eligibility.defaults import PROGRAMS

        facts = _facts()
        for program, (_zh, _en, _cash, params) in PROGRAMS.items():
            stored = _stored(evaluate(facts, program, params, ON), facts)
            assert replay(stored).to_json() == stored["eligibility"], program


@pytest.mark.django_db
def test_a_case_replays_after_its_parameters_are_edited(programs, family_home):
    today = timezone.localdate()
    applied = today - timedelta(days=30)
    case = submit_application(actor=family_home["user"], household=family_home["household"],
                              program=programs["pension_subsidy"],
                              applicant=family_home["applicant"], on=applied)
    case.refresh_from_db()
    stored = {"facts": case.facts, "eligibility": case.eligibility}
    assert case.eligibility["parameters"]["min_age"] == 60
    assert case.rule_version == case.eligibility["rule_version"] == PENSION_NOW
    assert replay(stored).to_json() == case.eligibility

    # the policy changes: a new period from today, and (wrongly) the old row in place too
    old = PolicyParameter.objects.get(program=programs["pension_subsidy"], key="min_age")
    old.effective_to = today - timedelta(days=1)
    old.save()
    PolicyParameter.objects.create(program=programs["pension_subsidy"], key="min_age",
                                   value=75, effective_from=today)
    PolicyParameter.objects.filter(pk=old.pk).update(value=72)
    assert parameters_on(programs["pension_subsidy"], applied)["min_age"] == 72

    case.refresh_from_db()
    assert replay({"facts": case.facts, "eligibility": case.eligibility}).to_json() == (
        case.eligibility)
    assert case.eligibility["parameters"]["min_age"] == 60
