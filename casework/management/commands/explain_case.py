"""``manage.py explain_case ID [--lang zh-hans|en]``: why a case was decided as it was.

Prints the stored pre-check (program, application date, rule version, every parameter
value used with where it comes from, every criterion with its reason), replays it from
the stored snapshot (which must give the same result, years later), and evaluates the
same stored facts under today's rule version and today's parameters to say whether
today's rules would decide otherwise. Reads only; exit code 0.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from casework.models import Case
from eligibility.decision import Criterion, EligibilityDecision, compare
from eligibility.evaluate import UnknownProgram, UnknownRuleVersion, evaluate, replay
from eligibility.facts import Facts
from eligibility.models import PolicyParameter
from eligibility.parameters import parameters_on

LANGUAGES = ("zh-hans", "en")


class Command(BaseCommand):
    help = ("Explain a case's eligibility decision: the facts, parameters and rule version "
            "it was made with, every criterion's reason; replay it from the stored snapshot; "
            "and say whether today's rules would decide otherwise.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case_id", type=int, metavar="ID", help="the case number")
        parser.add_argument("--lang", choices=LANGUAGES,
                            default=settings.LANGUAGE_CODE if settings.LANGUAGE_CODE
                            in LANGUAGES else "zh-hans",
                            help="language of the explanation (default: zh-hans)")

    def handle(self, *args: Any, case_id: int, lang: str, **options: Any) -> None:
        case = (Case.objects.select_related("program", "household", "applicant", "area")
                .filter(pk=case_id).first())
        with translation.override(lang):
            if case is None:
                raise CommandError(_("There is no case with number %(id)s.") % {"id": case_id})
            lines = explain(case, lang, today=timezone.localdate())
        self.stdout.write("\n".join(lines))


def _outcome(eligible: bool) -> str:
    return _("eligible") if eligible else _("not eligible")


def _criterion_line(criterion: Criterion, lang: str) -> str:
    mark = (pgettext("criterion", "passed") if criterion.passed
            else pgettext("criterion", "FAILED"))
    return f"  [{mark}] {criterion.code}: {criterion.reason(lang)}"


def _decision_line(decision: EligibilityDecision) -> str:
    line = _("Decision: %(outcome)s") % {"outcome": _outcome(decision.eligible)}
    if decision.failed_codes:
        line += " " + _("(failing: %(codes)s)") % {"codes": ", ".join(decision.failed_codes)}
    return line


def _change_lines(before: EligibilityDecision, after: EligibilityDecision, lang: str
                  ) -> list[str]:
    lines = []
    for change in compare(before, after):
        old = change.before.reason(lang) if change.before else pgettext("criterion", "absent")
        new = change.after.reason(lang) if change.after else pgettext("criterion", "absent")
        lines.append(f"    {change.code}: {old} → {new}")
    return lines


def _value(value: Any) -> str:
    return pgettext("parameter", "(none)") if value is None else str(value)


def parameter_sources(program_id: int, on: date) -> dict[str, str]:
    """Per key, where the value in force on ``on`` comes from: the document and where in
    it, or "assumed, set locally" (``PolicyParameter.source_label``). One query."""
    rows = (PolicyParameter.objects.filter(program_id=program_id, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .order_by("key", "effective_from"))
    return {row.key: row.source_label for row in rows}  # the latest start wins


def explain(case: Case, lang: str, *, today: date) -> list[str]:
    """The explanation of ``case`` as lines of text in the active language."""
    program = case.program
    lines = [
        _("Case #%(id)s: %(program)s (%(code)s)") % {
            "id": case.pk, "program": program.display_name(lang), "code": program.code},
        _("Applicant: %(name)s (household %(household)s, %(village)s)") % {
            "name": case.applicant.name, "household": case.household.number,
            "village": case.area.name},
        _("Application date: %(date)s") % {"date": case.application_date.isoformat()},
        _("Status: %(status)s") % {"status": case.get_status_display()},
    ]
    if not case.eligibility or not case.facts:
        lines.append(_("This case has no stored eligibility snapshot: nothing to explain or "
                       "replay."))
        return lines
    stored = EligibilityDecision.from_json(case.eligibility)
    lines.append(_("Rule version: %(version)s") % {"version": stored.rule_version})
    lines.append(_("Parameters used (as stored with the decision), each with its source:"))
    sources = parameter_sources(program.pk, date.fromisoformat(stored.on))
    lines += [f"  {key} = {_value(value)}  [{sources.get(key, _('source not recorded'))}]"
              for key, value in sorted(stored.parameters.items())]
    lines.append(_("Criteria:"))
    lines += [_criterion_line(c, lang) for c in stored.criteria]
    lines.append(_decision_line(stored))

    # 1. replay: stored facts, stored rule version, stored parameters, stored date
    lines.append("")
    lines.append(_("Replay from the stored snapshot (rule %(version)s, the stored parameters, "
                   "on %(date)s):") % {"version": stored.rule_version, "date": stored.on})
    try:
        replayed = replay({"facts": case.facts, "eligibility": case.eligibility})
    except (UnknownRuleVersion, UnknownProgram, KeyError, TypeError, ValueError) as exc:
        lines.append("  " + _("cannot replay (a bug: every rule version must stay "
                              "callable): %(error)s") % {"error": exc})
        replayed = None
    if replayed is not None:
        if replayed.to_json() == case.eligibility:
            lines.append("  " + _("replayed: same result"))
        else:
            lines.append("  " + _("replayed: DIFFERENT result (a bug: a stored decision must "
                                  "replay identically)"))
            lines.append("  " + _decision_line(replayed))
            lines += _change_lines(stored, replayed, lang)

    # 2. the same stored facts under today's rule version and today's parameters
    facts = Facts.from_json(case.facts)
    on = date.fromisoformat(stored.on)
    current_params = parameters_on(program, today)
    lines.append("")
    try:
        now = evaluate(facts, program.code, current_params, on)
    except KeyError as exc:  # a parameter the current rule reads has no value in force
        lines.append(_("Today's rules cannot be applied: no value of “%(key)s” is in force "
                       "on %(today)s.") % {"key": exc.args[0], "today": today.isoformat()})
        return lines
    lines.append(_("Today's rules (rule %(version)s, parameters in force on %(today)s), for the "
                   "same stored facts on the application date:") % {
        "version": now.rule_version, "today": today.isoformat()})
    if now.eligible == stored.eligible:
        lines.append("  " + _("today's rules would decide the same: %(outcome)s") % {
            "outcome": _outcome(now.eligible)})
    else:
        lines.append("  " + _("today's rules would decide otherwise: %(before)s → %(after)s") % {
            "before": _outcome(stored.eligible), "after": _outcome(now.eligible)})
    if now.rule_version != stored.rule_version:
        lines.append("  " + _("the rule has a new version since: %(before)s → %(after)s") % {
            "before": stored.rule_version, "after": now.rule_version})
    keys = sorted(set(stored.parameters) | set(now.parameters))
    changed_params = [key for key in keys
                      if stored.parameters.get(key) != now.parameters.get(key)]
    if changed_params:
        lines.append("  " + _("parameters changed since:"))
        lines += [f"    {key}: {_value(stored.parameters.get(key))} → "
                  f"{_value(now.parameters.get(key))}" for key in changed_params]
    changes = _change_lines(stored, now, lang)
    if changes:
        lines.append("  " + _("criteria that changed:"))
        lines += changes
    else:
        lines.append("  " + _("no criterion changed"))
    return lines
