"""Reading back the PDFs reportlab writes, enough to test them, without a PDF library.

reportlab writes plain objects (no object streams), page contents as ASCII85 over
Flate, Latin text in Helvetica as single bytes and CJK text in the CID font
``STSong-Light`` as UCS-2 (big-endian) strings shown with ``Tj``. ``text`` decodes each
string by the font selected for it; ``links`` lists the link annotations' URIs.
"""

import base64
import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\s*endstream", re.S)
_LITERAL = rb"\(((?:\\.|[^\\)])*)\)"
_TEXT_OPS = re.compile(rb"/(F\d+) [\d.]+ Tf|" + _LITERAL + rb"\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def unescape(raw: bytes) -> bytes:
    """A PDF literal string's bytes (backslash escapes, octal codes)."""
    out, i = bytearray(), 0
    while i < len(raw):
        ch = raw[i:i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        elif nxt == b"\n":
            i += 2
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJECT.finditer(pdf)}


def fonts(pdf: bytes) -> dict[str, str]:
    """Resource name (F1, F2...) -> base font name."""
    found = {}
    for body in objects(pdf).values():
        name = re.search(rb"/Name /(F\d+)", body)
        base = re.search(rb"/BaseFont /([\w+-]+)", body)
        if name and base and b"/Type /Font" in body:
            found[name.group(1).decode()] = base.group(1).decode()
    return found


def streams(pdf: bytes) -> list[bytes]:
    """Every stream, decoded (ASCII85 then Flate where the filters say so)."""
    found = []
    for body in objects(pdf).values():
        match = _STREAM.search(body)
        if not match:
            continue
        data = match.group(1)
        head = body[:match.start()]
        if b"/ASCII85Decode" in head:
            data = base64.a85decode(data.strip(), adobe=True)
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        found.append(data)
    return found


def text(pdf: bytes) -> str:
    """The text shown on the pages, one line per ``Tj``."""
    names = fonts(pdf)
    lines, font = [], ""
    for data in streams(pdf):
        for match in _TEXT_OPS.finditer(data):
            if match.group(1):
                font = names.get(match.group(1).decode(), "")
                continue
            raw = unescape(match.group(2))
            lines.append(raw.decode("utf-16-be", "replace") if font == "STSong-Light"
                         else raw.decode("cp1252", "replace"))
    return "\n".join(lines)


def compact(value: str) -> str:
    """Without whitespace: a phrase broken across lines still reads as one."""
    return re.sub(r"\s+", "", value)


def links(pdf: bytes) -> list[str]:
    return [unescape(m.group(1)).decode("latin-1")
            for m in re.finditer(rb"/URI " + _LITERAL, pdf)]


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page(?![s\w])", pdf))


def info(pdf: bytes) -> dict[str, str]:
    """The document information dictionary's text entries (Title, Subject, Author...)."""
    found = {}
    for body in objects(pdf).values():
        if b"/Producer" not in body:
            continue
        for key, raw in re.findall(rb"/(\w+) " + _LITERAL, body):
            value = unescape(raw)
            found[key.decode()] = (value[2:].decode("utf-16-be")
                                   if value.startswith(b"\xfe\xff")
                                   else value.decode("latin-1"))
    return found


def assert_valid(pdf: bytes, pages: int = 1) -> None:
    """A whole PDF: header, every object, a cross-reference table whose offsets point at
    the objects, a trailer, and ``pages`` pages."""
    assert pdf.startswith(b"%PDF-1."), pdf[:20]
    assert pdf.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\s+(\d+)", pdf).group(1))
    assert pdf[start:start + 4] == b"xref"
    table = re.search(rb"xref\s+0 (\d+)\s+(.*?)trailer", pdf[start:], re.S)
    count, entries = int(table.group(1)), table.group(2).split(b"\n")
    offsets = [int(e.split()[0]) for e in entries if e.strip().endswith(b"n")]
    assert len(offsets) == count - 1 == len(objects(pdf))
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode()), number
    assert b"/Root" in pdf[start:]
    assert page_count(pdf) == pages
    for data in streams(pdf):  # every stream decodes
        assert data is not None
