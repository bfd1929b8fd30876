"""Printable documents: the entitlement card and the decision letter, as PDF.

Builders over plain data (``CardData``, ``LetterData``): they read no database and
return the PDF's bytes, in the language they are given (zh-hans or English; the labels
through Django's translations, the program's name and the criteria's reasons chosen by
the caller). The views (``workflows.printing.views``) gather the data, check who may
print, and record each download.

reportlab draws them with its built-in CJK font, the CID font ``STSong-Light`` (Adobe's
GB1 character collection, which PDF readers supply: no font file is shipped or
embedded), so Chinese needs nothing downloaded. The QR code is reportlab's own
(``reportlab.graphics.barcode.qr``). It holds the URL of the public check page with
the card's signed token (``casework.card_tokens``), and the same URL is the QR code's
link annotation and is printed under it: readers without a camera can type it, and
tests read it back.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .card_tokens import LIVE, STATE_LABELS

FONT = "STSong-Light"
LATIN = "Helvetica"
ACCENT = colors.HexColor("#a31f24")  # the association's red
MUTED = colors.HexColor("#555555")
CARD_WIDTH, CARD_HEIGHT = 85.6 * mm, 54 * mm  # ISO/IEC 7810 ID-1, a bank card's size
CREATOR = "jindong-casework"


@dataclass(frozen=True)
class CardData:
    """One entitlement as its card shows it."""

    number: str
    program_name: str  # in the card's language
    holder_name: str
    holder_id_masked: str  # 330703********123X
    valid_from: date
    valid_to: date
    state: str  # casework.card_tokens: LIVE, EXPIRED, ENDED, NOT_YET
    verify_url: str  # absolute: the check page with the signed token
    printed_on: date
    amount_yuan: Decimal | None = None  # shown when above zero
    # what the card gives, a line per group (eligibility.grants.card_benefits): printed on
    # the card's back
    benefits: tuple[str, ...] = ()


@dataclass(frozen=True)
class CriterionLine:
    passed: bool
    reason: str  # in the letter's language


@dataclass(frozen=True)
class LetterData:
    """A case's final decision as the letter to the family tells it."""

    case_number: int
    program_name: str  # in the letter's language
    applicant_name: str
    application_date: date
    decided_on: date
    approved: bool
    printed_on: date
    reason: str = ""  # the reviewer's words (a rejection's reason)
    criteria: tuple[CriterionLine, ...] = ()  # the eligibility check, for a rejection
    appeal_days: int | None = None  # the program's appeal period, if it has one
    card: CardData | None = None  # what an approval granted


# --- shared -------------------------------------------------------------------------------

def _font() -> str:
    """The CJK font, registered once per process (and as its own bold and italic, so that
    paragraph markup never asks for a face it does not have)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT, italic=FONT,
                                      boldItalic=FONT)
    return FONT


def issuer() -> str:
    return _("Jindong Family Planning Association")


def _day(value: date) -> str:
    return value.strftime("%Y-%m-%d")


def _period(start: date, end: date) -> str:
    return _("%(start)s to %(end)s") % {"start": _day(start), "end": _day(end)}


def _amount(value: Decimal | None) -> str:
    return _("%(amount)s yuan") % {"amount": f"{value:.2f}"} if value else ""


def _latin(ch: str) -> bool:
    try:
        ch.encode("cp1252")  # what Helvetica's WinAnsi encoding holds
    except UnicodeEncodeError:
        return False
    return True


def runs(text: str) -> list[tuple[str, str]]:
    """``text`` as (font, part) runs: Latin letters, digits and punctuation in
    Helvetica, everything else (Chinese) in the CJK font. Helvetica's widths are the
    same in every PDF reader; the CID font's Latin half is drawn with whatever font a
    reader substitutes for it, which may not match its widths."""
    found: list[list[str]] = []
    for ch in text:
        font = LATIN if _latin(ch) else FONT
        if found and found[-1][0] == font:
            found[-1][1] += ch
        else:
            found.append([font, ch])
    return [(font, part) for font, part in found]


def width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(part, font, size) for font, part in runs(text))


def draw(c, x: float, y: float, text: str, size: float, *, bold: bool = False,
         centred: bool = False) -> None:
    """``text`` on canvas ``c`` in its runs' fonts; ``bold`` fills and strokes it thinly
    (the CID font has no bold face), ``centred`` around ``x``."""
    _font()
    if centred:
        x -= width(text, size) / 2
    t = c.beginText(x, y)
    if bold:
        t.setTextRenderMode(2)
    for font, part in runs(text):
        t.setFont(font, size)
        t.textOut(part)
    c.drawText(t)


def _markup(value: str) -> str:
    """Escaped text with its Latin runs in Helvetica (the paragraph's font is the CJK
    one)."""
    return "".join(f'<font face="{LATIN}">{escape(part)}</font>' if font == LATIN
                   else escape(part) for font, part in runs(value))


def _text(value: str) -> str:
    """Plain text (a name, a reviewer's reason) as paragraph markup."""
    return "<br/>".join(_markup(line) for line in (value or "").split("\n"))


def _link(url: str) -> str:
    return f'<a href="{escape(url, {chr(34): "&quot;"})}">{_markup(url)}</a>'


def _style(name: str, size: float, *, language: str, anywhere: bool = False,
           color=colors.black, **kw) -> ParagraphStyle:
    """Chinese (and a URL: ``anywhere``) may break between any two characters; English
    breaks at spaces."""
    cjk = anywhere or not language.startswith("en")
    return ParagraphStyle(name, fontName=_font(), fontSize=size, leading=size * 1.45,
                          textColor=color, wordWrap="CJK" if cjk else None, **kw)


def qr_drawing(url: str, size: float) -> Drawing:
    """A QR code of ``url``, ``size`` points square (quiet zone included), error
    correction M (a worn or folded card still scans)."""
    widget = QrCodeWidget(url, barLevel="M", barWidth=size, barHeight=size, barBorder=4)
    drawing = Drawing(size, size)
    drawing.add(widget)
    return drawing


def _metadata(target, *, title: str, subject: str) -> None:
    """Title and subject name the document and the program (never a person)."""
    target.setTitle(title)
    target.setSubject(subject)
    target.setAuthor(issuer())
    target.setCreator(CREATOR)


# --- the card -------------------------------------------------------------------------------

def _fit(text: str, room: float, size: float, smallest: float) -> float:
    """The largest size from ``size`` down to ``smallest`` at which ``text`` fits."""
    while size > smallest and width(text, size) > room:
        size -= 0.25
    return size


def _lines(text: str, room: float, size: float) -> list[str]:
    """``text`` cut into lines no wider than ``room``: at a space if the line has one,
    else between any two characters (Chinese)."""
    lines, line = [], ""
    for ch in text:
        if line and width(line + ch, size) > room:
            head, space, tail = line.rpartition(" ")
            if space and head and not ch.isspace():
                lines.append(head)
                line = tail + ch
            else:
                lines.append(line.rstrip())
                line = ch.lstrip()
        else:
            line += ch
    return [*lines, line] if line else lines


def draw_card(c, card: CardData, x: float, y: float) -> None:
    """The card's front, ``CARD_WIDTH`` by ``CARD_HEIGHT``, its lower left corner at
    (``x``, ``y``) on canvas ``c``."""
    _font()
    pad = 3 * mm
    qr_size = 24 * mm
    # the edge to cut along
    c.saveState()
    c.setStrokeColor(MUTED)
    c.setLineWidth(0.5)
    c.setDash(3, 2)
    c.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3 * mm, stroke=1, fill=0)
    c.restoreState()

    # the band: who issues it, and what it is
    band = 11 * mm
    top = y + CARD_HEIGHT
    c.saveState()
    c.setFillColor(ACCENT)
    c.roundRect(x + 1.2 * mm, top - 1.2 * mm - band, CARD_WIDTH - 2.4 * mm, band, 2 * mm,
                stroke=0, fill=1)
    c.setFillColor(colors.white)
    draw(c, x + pad, top - 5 * mm, issuer(), 7)
    c.setStrokeColor(colors.white)
    c.setLineWidth(0.25)
    draw(c, x + pad, top - 10 * mm, _("Entitlement card"), 10, bold=True)
    c.restoreState()

    # the program, on at most two lines
    text_width = CARD_WIDTH - 2 * pad - qr_size - 2 * mm
    cursor = top - band - 6.2 * mm
    size = _fit(card.program_name, text_width, 10, 7.5)
    c.saveState()
    c.setFillColor(ACCENT)
    c.setStrokeColor(ACCENT)
    c.setLineWidth(0.2)
    for line in _lines(card.program_name, text_width, size)[:2]:
        draw(c, x + pad, cursor, line, size, bold=True)
        cursor -= size * 1.2
    c.restoreState()

    # label and value lines
    rows = [(_("Holder"), card.holder_name), (_("ID no."), card.holder_id_masked),
            (_("Certificate number"), card.number),
            (_("Valid"), _period(card.valid_from, card.valid_to))]
    if card.amount_yuan:
        rows.append((_("Amount"), _amount(card.amount_yuan)))
    label_size, value_size = 6, 7
    label_width = max(width(label, label_size) for label, _v in rows)
    value_x = x + pad + label_width + 2 * mm
    value_width = x + pad + text_width - value_x
    cursor -= 1.2 * mm
    for label, value in rows:
        c.setFillColor(MUTED)
        draw(c, x + pad, cursor, label, label_size)
        c.setFillColor(colors.black)
        draw(c, value_x, cursor, value, _fit(value, value_width, value_size, 5.5))
        cursor -= value_size * 1.45

    # the QR code, bottom right, linked to the check page
    qx, qy = x + CARD_WIDTH - pad - qr_size + 1.5 * mm, y + 3.6 * mm
    renderPDF.draw(qr_drawing(card.verify_url, qr_size), c, qx, qy)
    c.linkURL(card.verify_url, (qx, qy, qx + qr_size, qy + qr_size), relative=0, thickness=0)
    c.setFillColor(MUTED)
    draw(c, qx + qr_size / 2, y + 2.2 * mm, _("Scan to verify"), 5.5, centred=True)

    if card.state != LIVE:  # printed after it ended or expired: say so across it
        c.saveState()
        c.setFillColor(ACCENT)
        c.setFillAlpha(0.55)
        c.translate(x + CARD_WIDTH / 2 - 8 * mm, y + CARD_HEIGHT / 2 - 6 * mm)
        c.rotate(20)
        draw(c, 0, 0, str(STATE_LABELS.get(card.state, card.state)), 20, centred=True)
        c.restoreState()


def draw_card_back(c, card: CardData, x: float, y: float) -> None:
    """The card's back, the same size as its front: what the card gives, one group a
    line (the medical card's 一免, 二优 and 六减半), wrapped to the card's width."""
    _font()
    pad = 3 * mm
    c.saveState()
    c.setStrokeColor(MUTED)
    c.setLineWidth(0.5)
    c.setDash(3, 2)
    c.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3 * mm, stroke=1, fill=0)
    c.restoreState()
    top = y + CARD_HEIGHT
    c.setFillColor(ACCENT)
    draw(c, x + pad, top - 6 * mm, _("What this card gives"), 8, bold=True)
    room = CARD_WIDTH - 2 * pad
    lines = [line for text in card.benefits for line in _lines(text, room, 6)]
    size = 6 if len(lines) <= 11 else 5
    lines = [line for text in card.benefits for line in _lines(text, room, size)]
    cursor = top - 10.5 * mm
    c.setFillColor(colors.black)
    for line in lines:
        draw(c, x + pad, cursor, line, size)
        cursor -= size * 1.35
    c.setFillColor(MUTED)
    draw(c, x + pad, y + 2.5 * mm, _("Show this card at the hospital's registration desk."),
         5.5)


def card_pdf(card: CardData, *, language: str) -> bytes:
    """One A4 page: the card at its real size, to cut out, and how it is checked."""
    with translation.override(language):
        buffer = io.BytesIO()
        c = pdf_canvas.Canvas(buffer, pagesize=A4)
        _metadata(c, title=f"{card.program_name} · {_('Entitlement card')} {card.number}",
                  subject=_("Entitlement card"))
        page_width, page_height = A4
        left = 20 * mm
        card_y = page_height - 20 * mm - CARD_HEIGHT
        draw_card(c, card, left, card_y)
        if card.benefits:  # its back beside it: fold along the middle, or cut both out
            draw_card_back(c, card, left + CARD_WIDTH + 6 * mm, card_y)

        width = page_width - 2 * left
        flow = [
            Paragraph(_text(f"{card.program_name} · {_('Entitlement card')}"),
                      _style("heading", 12, language=language)),
            Paragraph(_text(_(
                "Cut the card out along the dashed line. Anyone may scan its QR code to "
                "check that it is genuine and in force; the check shows the program, the "
                "dates and the holder's name with characters hidden, nothing else.")),
                _style("note", 9, language=language)),
            Paragraph(f"{_text(_('Check online:'))} {_link(card.verify_url)}",
                      _style("url", 7, language=language, anywhere=True, color=MUTED)),
            Paragraph(_text(_("Printed on %(date)s") % {"date": _day(card.printed_on)}),
                      _style("printed", 8, language=language, color=MUTED)),
        ]
        y = card_y - 8 * mm
        for paragraph in flow:
            _w, height = paragraph.wrapOn(c, width, page_height)
            y -= height
            paragraph.drawOn(c, left, y)
            y -= 2.5 * mm
        c.showPage()
        c.save()
    return buffer.getvalue()


# --- the decision letter --------------------------------------------------------------------

def _letter_flow(letter: LetterData, language: str) -> list:
    body = _style("body", 10.5, language=language, spaceAfter=3 * mm)
    small = _style("small", 9, language=language, color=MUTED)
    heading = _style("h2", 11.5, language=language, color=ACCENT, spaceBefore=2 * mm,
                     spaceAfter=2 * mm)
    values = {"number": letter.case_number, "program": letter.program_name,
              "applied": _day(letter.application_date), "decided": _day(letter.decided_on)}
    flow = [
        Paragraph(_text(issuer()), _style("issuer", 11, language=language, color=MUTED)),
        Paragraph(_text(_("Decision on your application")),
                  _style("title", 17, language=language, color=ACCENT,
                         spaceBefore=3 * mm, spaceAfter=2 * mm)),
        Paragraph(_text(" · ".join([
            _("Application No. %(number)s") % values,
            _("Date: %(date)s") % {"date": _day(letter.printed_on)}])), small),
        Spacer(1, 6 * mm),
        Paragraph(_text(_("To: %(name)s") % {"name": letter.applicant_name}), body),
    ]
    if letter.approved:
        flow.append(Paragraph(_text(_(
            "Your application No. %(number)s for “%(program)s”, made on %(applied)s, was "
            "approved on %(decided)s.") % values), body))
        card = letter.card
        if card is not None:
            flow.append(Paragraph(_text(_("What you are granted")), heading))
            rows = [(_("Certificate number"), card.number),
                    (_("Valid"), _period(card.valid_from, card.valid_to))]
            if card.amount_yuan:
                rows.append((_("Amount"), _amount(card.amount_yuan)))
            rows += [(_("What this card gives") if i == 0 else "", line)
                     for i, line in enumerate(card.benefits)]
            cell = _style("cell", 10, language=language)
            table = Table([[Paragraph(_text(k), cell), Paragraph(_text(v), cell)]
                           for k, v in rows], colWidths=[40 * mm, None], hAlign="LEFT")
            table.setStyle(TableStyle([
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.lightgrey),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]))
            flow += [table, Spacer(1, 5 * mm)]
            how = _("Scan the QR code, or open the address below, to check that the card "
                    "is genuine and in force.")
            scan = Paragraph(f"{_text(how)}<br/>{_link(card.verify_url)}",
                             _style("scan", 9, language=language, anywhere=True))
            qr = Table([[qr_drawing(card.verify_url, 30 * mm), scan]],
                       colWidths=[34 * mm, None], hAlign="LEFT")
            qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
            flow.append(qr)
    else:
        flow.append(Paragraph(_text(_(
            "Your application No. %(number)s for “%(program)s”, made on %(applied)s, was "
            "not approved on %(decided)s.") % values), body))
        if letter.reason:
            flow += [Paragraph(_text(_("Reason given by the reviewer")), heading),
                     Paragraph(_text(letter.reason), body)]
        if letter.criteria:
            flow.append(Paragraph(_text(_("The eligibility criteria as checked")), heading))
            for line in letter.criteria:
                mark = capfirst(_("met") if line.passed else _("not met"))
                flow.append(Paragraph(_text(_("%(mark)s: %(reason)s") % {
                    "mark": mark, "reason": line.reason}),
                    _style("criterion", 10, language=language, leftIndent=4 * mm,
                           spaceAfter=1.5 * mm)))
        if letter.appeal_days:
            flow += [Spacer(1, 3 * mm), Paragraph(_text(ngettext(
                "If you disagree with this decision, you may appeal within %(days)s day.",
                "If you disagree with this decision, you may appeal within %(days)s days.",
                letter.appeal_days) % {"days": letter.appeal_days}), body)]
    flow += [
        Spacer(1, 6 * mm),
        Paragraph(_text(_("If you have questions, please ask your village family-planning "
                          "association.")), small),
        Spacer(1, 10 * mm),
        Paragraph(_text(issuer()), _style("sign", 10.5, language=language,
                                          alignment=TA_RIGHT)),
        Paragraph(_text(_day(letter.printed_on)), _style("signdate", 10.5, language=language,
                                                         alignment=TA_RIGHT)),
    ]
    return flow


def letter_pdf(letter: LetterData, *, language: str) -> bytes:
    """The letter telling the family the final decision on its application (A4)."""
    with translation.override(language):
        buffer = io.BytesIO()
        subject = _("Decision on your application")
        number = _("Application No. %(number)s") % {"number": letter.case_number}
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm,
                                topMargin=20 * mm, bottomMargin=20 * mm,
                                title=f"{letter.program_name} · {subject} · {number}",
                                subject=subject, author=issuer(), creator=CREATOR)
        doc.build(_letter_flow(letter, language))
    return buffer.getvalue()
