"""What-if for administrators: a proposed parameter change, evaluated on the register."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from eligibility.models import Program

from ...register.simulation import parse_overrides, run_simulation


class Command(BaseCommand):
    help = ("Evaluate a proposed change of a program's policy parameters against the current "
            "register: per township, how many of the program's candidates (persons or "
            "households, as the program covers them) would gain or lose eligibility, and "
            "the cost.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, help="program code, e.g. pension_subsidy")
        parser.add_argument("--set", dest="overrides", action="append", default=[],
                            metavar="KEY=VALUE", help="a proposed value (repeatable)")
        parser.add_argument("--on", type=date.fromisoformat, default=None,
                            help="evaluate as on this date (default: today)")
        parser.add_argument("--area", default="", help="limit to an area code prefix")

    def handle(self, *args: Any, program: str, overrides: list[str], on: date | None,
               area: str, **options: Any) -> None:
        try:
            program_obj = Program.objects.get(code=program)
        except Program.DoesNotExist:
            raise CommandError(f"no program {program!r}") from None
        if not overrides:
            raise CommandError("give at least one --set KEY=VALUE")
        try:
            report = run_simulation(program_obj, parse_overrides(overrides),
                                    on or timezone.localdate(), area)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        changed = {k: (report.current.get(k), v) for k, v in report.proposed.items()
                   if report.current.get(k) != v}
        self.stdout.write(f"{program_obj.code} ({program_obj.name_zh}) on {report.on}")
        for key, (old, new) in changed.items():
            self.stdout.write(f"  {key}: {old} -> {new}")
        # the counts are of the program's unit: a household program counts households
        self.stdout.write(f"candidates: {report.candidates.description}, counted per "
                          f"{report.candidates.unit}")
        header = (f"{'township':<12} {'code':<10} {'cands':>8} {'now':>7} {'then':>7} "
                  f"{'+hh':>5} {'-hh':>5} {'+c':>5} {'-c':>5} {'cost change/yr':>15}")
        self.stdout.write(header)
        for line in [*report.lines, None]:
            name, code, r = ("TOTAL", "", report.total) if line is None else (
                line.name, line.code, line.result)
            self.stdout.write(
                f"{name:<12} {code:<10} {r.candidates:>8} {r.eligible_now:>7} "
                f"{r.eligible_proposed:>7} {len(r.households_gaining):>5} "
                f"{len(r.households_losing):>5} {r.gaining:>5} {r.losing:>5} "
                f"{r.cost_change:>15}")
