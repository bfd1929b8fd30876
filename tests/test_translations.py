"""zh-hans is the default language: the catalogue is complete and actually used."""

from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans")
    missing = [m.id for m in catalog if m.id and (
        not (m.string if isinstance(m.string, str) else all(m.string)) or m.fuzzy)]
    assert missing == []
    # a catalogue edit gone wrong (``msgstr msgstr "..."``) still reads as "translated",
    # then shows ``sgstr "...`` on the page
    garbled = [m.id for m in catalog if m.id and any(
        '"' in s and "sgstr" in s for s in ([m.string] if isinstance(m.string, str)
                                            else m.string))]
    assert garbled == []


def test_statuses_and_messages_render_in_chinese_by_default():
    from casework.models import CaseStatus
    from workflows.notifications.messages import render

    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert str(CaseStatus.RETURNED.label) != "returned for more information"
        assert "申请" in render("case_approved", {"case": 7})
    with translation.override("en"):
        assert render("case_approved", {"case": 7}) == "Application #7 has been approved."
