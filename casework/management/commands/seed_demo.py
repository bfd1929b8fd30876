"""``manage.py seed_demo``: the demo district, register and accounts.

Thin on purpose: the data and the building live in ``casework.demo`` where tests
and benchmarks call them directly.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.demo import DEFAULT_HOUSEHOLDS, seed_demo, write_credentials


class Command(BaseCommand):
    help = ("Build the Jindong demo: 11 townships, 245 villages, the programs, a "
            "deterministic register of households and one account per role. Idempotent: "
            "re-running adds only what is missing.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS,
                            help=f"households in the register (default {DEFAULT_HOUSEHOLDS}); "
                                 "a larger number later adds the missing ones")
        parser.add_argument("--credentials-json", type=Path, metavar="PATH",
                            help="write the demo accounts and passwords to this JSON file")

    def handle(self, *args, households: int, credentials_json: Path | None, **options) -> None:
        if households < 0:
            raise CommandError("--households must be zero or more")
        report = seed_demo(households=households)
        if credentials_json:
            write_credentials(credentials_json, report.credentials)
            self.stdout.write(f"credentials: {credentials_json}")
        self.stdout.write(report.summary())
