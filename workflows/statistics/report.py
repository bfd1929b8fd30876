"""The statistics report to the city association (市计生协): one yearly report (or one as of
any date) per township and for the district, built from each part of the record's own
figures.

The report states what the association's annual report states of itself (seed: members and
volunteers, 宣传员, full-time vice-presidents by sex, enterprise associations and migrant
groups, projects and households helped, health checks, dues, benefits, the welfare fund),
each number from the function of the part that keeps it:

=========================== =====================================================
section                     from
=========================== =====================================================
organisation                ``casework.organisation.stats.organisation_stats``
projects and pairing        ``casework.projects.stats``, ``casework.pairings.stats``
contact households          ``casework.contacts.stats.contact_stats``
health checks               ``casework.healthchecks.stats.health_check_stats``
dues                        ``casework.duescampaigns.stats.dues_stats``
benefits                    ``casework.benefit_stats.benefit_stats``
welfare fund                ``casework.fund.stats.fund_stats``
=========================== =====================================================

A district report has a column per township and one for the district (the township
columns add up to it, except the welfare fund's district-wide lines, which belong to the
district alone); a township report has its own column. Each column is one call of each
function with the area's code as prefix: a constant number of statements per column,
whatever the number of rows behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from casework.benefit_stats import benefit_stats
from casework.contacts.stats import contact_stats
from casework.duescampaigns.stats import dues_stats
from casework.fund.stats import fund_stats
from casework.healthchecks.stats import health_check_stats
from casework.models import Area
from casework.organisation.stats import organisation_stats
from casework.pairings.stats import pairing_stats
from casework.projects.stats import project_stats
from eligibility.models import Program

Value = int | Decimal | str

#: each part's figures for one area: (area code, year, as of) -> {key: value}
SOURCES: dict[str, Callable[..., dict]] = {
    "organisation": organisation_stats,
    "projects": project_stats,
    "pairings": pairing_stats,
    "contacts": contact_stats,
    "health": health_check_stats,
    "dues": dues_stats,
    "benefits": benefit_stats,
    "fund": fund_stats,
}


@dataclass(frozen=True)
class Line:
    """One line of the report: where its number comes from (``source``, ``key``) and its
    label; ``district_only`` lines are shown in the district's column alone."""

    source: str
    key: str
    label: Any
    district_only: bool = False


SECTIONS: tuple[tuple[Any, tuple[Line, ...]], ...] = (
    (_("Organisation"), (
        Line("organisation", "members", _("Association members")),
        Line("organisation", "volunteers", _("Volunteers")),
        Line("organisation", "outreach_workers", _("Outreach workers (宣传员)")),
        Line("organisation", "council_members", _("Council members (理事)")),
        Line("organisation", "units_township", _("Township and street associations")),
        Line("organisation", "units_village", _("Village associations")),
        Line("organisation", "enterprise_associations", _("Enterprise associations")),
        Line("organisation", "enterprise_association_members",
             _("Members of enterprise associations")),
        Line("organisation", "migrant_groups", _("Migrant-population groups")),
        Line("organisation", "migrant_group_members", _("Members of migrant groups")),
        Line("organisation", "vice_presidents_fulltime_township",
             _("Full-time vice-presidents of township associations")),
        Line("organisation", "vice_presidents_fulltime_male",
             _("Full-time vice-presidents of village associations, men")),
        Line("organisation", "vice_presidents_fulltime_female",
             _("Full-time vice-presidents of village associations, women")),
    )),
    (_("Training and activities"), (
        Line("organisation", "trainings", _("Training sessions")),
        Line("organisation", "trained", _("People trained")),
        Line("organisation", "activity_days", _("Activity days")),
        Line("organisation", "activity_sessions", _("Activity sessions held")),
        Line("organisation", "people_examined", _("People examined at activity days")),
        Line("organisation", "activity_spending_yuan", _("Activity spending (yuan)")),
        Line("organisation", "assessed_villages", _("Villages assessed")),
        Line("organisation", "model_villages", _("Model associations (示范协会)")),
    )),
    (_("Income projects and pairing"), (
        Line("projects", "projects", _("少生快富 projects running")),
        Line("projects", "households_helped", _("Households in a project")),
        Line("projects", "villages_with_project",
             _("Villages with a household in a project")),
        Line("projects", "households_joined", _("Households joining this year")),
        Line("projects", "support_yuan", _("Support to households joining (yuan)")),
        Line("pairings", "contracts_running", _("Pairing contracts running")),
        Line("pairings", "households_paired", _("Households paired")),
        Line("pairings", "contracts_signed", _("Pairing contracts signed this year")),
        Line("pairings", "visits", _("Pairing visits this year")),
    )),
    (_("Contact households"), (
        Line("contacts", "contact_members", _("Contact members")),
        Line("contacts", "households_contacted", _("Households with a contact member")),
        Line("contacts", "rounds", _("Reporting rounds")),
        Line("contacts", "reports_expected", _("Reports due")),
        Line("contacts", "reports_received", _("Reports received")),
    )),
    (_("Health checks"), (
        Line("health", "campaigns", _("Village health-check campaigns")),
        Line("health", "funding_yuan", _("Village funding (yuan)")),
        Line("health", "members_listed", _("Members listed")),
        Line("health", "checked", _("Members checked")),
        Line("health", "referred", _("Referred")),
        Line("health", "coverage_percent", _("Coverage (%)")),
    )),
    (_("Dues"), (
        Line("dues", "members_owing", _("Members owing dues")),
        Line("dues", "members_paid", _("Members paid")),
        Line("dues", "dues_collected_yuan", _("Dues collected (yuan)")),
        Line("dues", "collection_percent", _("Collection rate (%)")),
    )),
    (_("Welfare fund"), (
        Line("fund", "grants", _("Welfare grants")),
        Line("fund", "grants_yuan", _("Welfare grants paid (yuan)")),
        Line("fund", "income_yuan", _("Fund income (yuan)"), district_only=True),
        Line("fund", "allocations_yuan", _("of which allocations (yuan)"), district_only=True),
        Line("fund", "donations_yuan", _("of which donations (yuan)"), district_only=True),
        Line("fund", "spending_yuan", _("Fund spending (yuan)"), district_only=True),
        Line("fund", "carried_over_yuan", _("Carried over from earlier years (yuan)"),
             district_only=True),
        Line("fund", "balance_yuan", _("Fund balance (yuan)"), district_only=True),
    )),
)

#: the benefits section's columns per program (filled from ``benefit_stats``)
BENEFIT_KEYS = (("granted", _("granted")), ("renewed", _("renewed")),
                ("in_force", _("in force")), ("paid_yuan", _("paid (yuan)")))


@dataclass
class Column:
    """One area's figures: its code and name, and each source's dictionary."""

    code: str
    name: str
    figures: dict[str, dict] = field(default_factory=dict)

    def value(self, line: Line) -> Value | None:
        if line.district_only and len(self.code) != 6:
            return None
        return self.figures[line.source].get(line.key)


@dataclass
class Report:
    """The report of one area (a township or the district) for a year, as of a date."""

    area: Area
    year: int
    as_of: date
    columns: list[Column]
    programs: list[Program]

    @property
    def total(self) -> Column:
        """The area's own column (the last)."""
        return self.columns[-1]

    def rows(self, language: str = "zh-hans") -> list[tuple[str, str, list[Value | None]]]:
        """Every line as (section, label, a value per column), in order: the sections,
        then the benefits, a line per program and figure, then the pilot townships."""
        rows: list[tuple[str, str, list[Value | None]]] = []
        for title, lines in SECTIONS:
            for line in lines:
                rows.append((str(title), str(line.label),
                             [column.value(line) for column in self.columns]))
        benefits = str(_("Benefits"))
        for program in self.programs:
            name = program.display_name(language)
            for key, label in BENEFIT_KEYS:
                rows.append((benefits, f"{name}: {label}", [
                    column.figures["benefits"]["programs"].get(program.code, {}).get(key, 0)
                    for column in self.columns]))
        pilots = "、".join(p["name"] for p in self.total.figures["dues"].get(
            "pilot_townships", [])) or "—"
        rows.append((str(_("Dues")), str(_("Pilot townships for dues collection")),
                     [pilots if column is self.total else None for column in self.columns]))
        return rows


def figures_for(code: str, year: int, as_of: date) -> dict[str, dict]:
    """Every source's figures for the areas under ``code``."""
    return {name: source(area_code=code, year=year, as_of=as_of)
            for name, source in SOURCES.items()}


def build_report(area: Area, *, year: int, as_of: date | None = None) -> Report:
    """The report of ``area`` (a township or the district) for ``year``, as of ``as_of``
    (default: the year's last day, or today if the year is not over)."""
    if area.level == Area.Level.VILLAGE:
        raise ValueError("the statistics report is per township or district")
    as_of = as_of or date(year, 12, 31)
    columns = []
    if area.level == Area.Level.DISTRICT:
        for code, name in (Area.objects.filter(parent_id=area.code)
                           .order_by("code").values_list("code", "name")):
            columns.append(Column(code, name, figures_for(code, year, as_of)))
    columns.append(Column(area.code, area.name, figures_for(area.code, year, as_of)))
    programs = list(Program.objects.order_by("id"))
    return Report(area=area, year=year, as_of=as_of, columns=columns, programs=programs)


__all__ = ["Column", "Line", "Report", "SECTIONS", "SOURCES", "build_report"]
