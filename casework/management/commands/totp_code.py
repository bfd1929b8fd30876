"""Print the current six-digit code of a TOTP secret, as an authenticator app shows it.

For the demo's two-factor accounts: their secrets are in ``var/demo-credentials.json``
(``totp_secret``), so a newcomer without an authenticator app can log in as every role::

    .venv/bin/python manage.py totp_code JBSWY3DPEHPK3PXP
"""

import binascii

from django.core.management.base import BaseCommand, CommandError

from casework.demo_second_factor import code_for


class Command(BaseCommand):
    help = "Print the current code of a TOTP secret (base32), e.g. a demo account's."

    def add_arguments(self, parser) -> None:
        parser.add_argument("secret", help="the base32 secret (totp_secret in the demo's "
                                           "credentials file)")

    def handle(self, *args, secret: str, **options) -> None:
        try:
            self.stdout.write(code_for(secret))
        except (binascii.Error, ValueError) as exc:
            raise CommandError(f"not a base32 TOTP secret: {exc}") from exc
