"""Compile locale/*/LC_MESSAGES/django.po to .mo with Babel (no system gettext needed)."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's .po translation catalogues (only those that changed)."

    def handle(self, *args, **options):
        compiled = 0
        for base in settings.LOCALE_PATHS:
            for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as po:
                    catalog = read_po(po, locale=po_path.parts[-3])
                with mo_path.open("wb") as mo:
                    write_mo(mo, catalog, use_fuzzy=False)
                compiled += 1
        if compiled:
            self.stdout.write(f"compiled {compiled} catalogue(s)")
