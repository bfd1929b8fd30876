"""The member roster (会员花名册) in and out of Excel: the import template, the dry run,
the import, and the export.

**The workbook.** Any number of sheets; each sheet's first row names its columns, in
Chinese or English (``COLUMNS``: the template's headers, the usual Chinese headers of the
villages' own sheets, or the column keys), which tells its kind: a *households* sheet
(户号 and 村（居）代码 columns), a *members* sheet (one row per person, with its
household's number) or an *enrolment* sheet (入会: people already on the roster, or on
the file's members sheet, who join the association: resident ID, joining date, an
optional member number and role; the membership drive from Excel, seed line 196). A
sheet is an enrolment sheet by its title (入会, Enrolment) or by a header with a
resident ID and a joining date but no household number. The instructions sheet of the
template and the dues sheet of an export are skipped; any other sheet whose header is
not understood is an error. Columns only an export writes (arrears, leaving date,
village name) are ignored.

**The dry run** (``check_workbook``) reads every row of every sheet (openpyxl's
read-only mode: rows are streamed, the workbook is never held whole), validates each
cell (a value of a model field by that field's rules, ``casework.field_rules``, as the
API and the forms do: money, dates, names), then the file as a whole (numbers used
twice, one head per household, a household without members) and the file against the
register (the village in the user's area, a household number or resident ID registered
elsewhere, member numbers and receipt numbers taken), with a bounded number of
statements (lookups in chunks). Every problem is a ``RowError``: sheet, row, column,
reason, in the user's language.

**The import** (``import_workbook``) runs the same checks inside one transaction and
writes nothing unless there are none. It is idempotent by household number: a household
already in the register (in the user's area) is *updated* from the file, members matched
by resident identity number (updated, or added); nothing is ever deleted, and a second
import of the same file changes nothing. A column left out of a sheet leaves that value
as it is; a cell left blank clears it. Dues years listed for a member become payments
(receipt ``R<year>-<member number>``, no payment date) for the years not yet paid.
The enrolment sheet's people join through ``casework.register.dues.enrol_members`` (a blank member
number is generated, ``dues.generated_numbers``). Each membership created and each payment
is recorded as a ``RecordEvent`` (``membership_joined``, ``dues_paid``), and the import as
a whole as ``roster_imported`` with its counts, in the import's transaction.

**The export** (``write_export``) writes the same sheets (so an export with full
numbers reads back in), plus arrears and a sheet of dues payments with their receipts.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import access
from ..errors import CaseConflict
from ..field_rules import clean_text, validate_value
from ..history.record_events import record
from ..models import Area, DuesPayment, Household, Membership, Person, User
from ..personal.identity import mask_resident_id, parse_resident_id
from ..personal.phones import clean_mobile_phone, mask_phone
from . import dues

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # a zip bomb stops here
MAX_ROWS = 60_000  # data rows in one file (the district has some 30,000 members)
LOOKUP_CHUNK = 900  # values per IN (...) lookup
EXPORT_CHUNK = 1000  # households read per statement while exporting
HOUSEHOLD_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/]{2,29}")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HOUSEHOLDS, MEMBERS, PAYMENTS, SKIPPED = "households", "members", "payments", "skipped"
ENROLMENT = "enrolment"


class WorkbookRefused(Exception):
    """The upload is not a workbook this importer reads (not xlsx, too large...)."""


@dataclass(frozen=True)
class RowError:
    """One problem of the file: where (sheet, row, column) and why."""

    sheet: str
    row: int
    column: str
    reason: str

    def as_tuple(self) -> tuple[str, int, str, str]:
        return (self.sheet, self.row, self.column, self.reason)


# --- the columns ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy: the template's header in the user's language
    kind: str  # text, date, bool, choice, decimal, years, id, phone
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers villages use
    export_only: bool = False  # written by the export, ignored by the import


H_COLUMNS = (
    Column("number", gettext_lazy("household number"), "text", True, ("户号", "户编号")),
    Column("village_code", gettext_lazy("Village code"), "text", True,
           ("村（居）代码", "村居代码", "村代码", "村编码")),
    Column("village_name", gettext_lazy("Village"), "text", export_only=True,
           aliases=("村（居）", "村名")),
    Column("address", gettext_lazy("address"), "text", aliases=("地址", "住址")),
    Column("registration", gettext_lazy("household registration"), "choice",
           aliases=("户籍类型", "户籍")),
    Column("one_child_certificate_date", gettext_lazy("one-child parents' certificate date"),
           "date", aliases=("独生子女父母光荣证日期", "独生子女证日期")),
    Column("two_daughter_household", gettext_lazy("two-daughter household"), "bool",
           aliases=("二女户",)),
    Column("second_birth_renounced_date", gettext_lazy("second birth renounced on"), "date",
           aliases=("放弃二孩生育日期",)),
    Column("hardship", gettext_lazy("hardship household"), "bool", aliases=("困难户",)),
    Column("special_family", gettext_lazy("special family"), "choice",
           aliases=("计生特殊家庭", "特殊家庭")),
    Column("annual_income_yuan", gettext_lazy("annual household income (yuan)"), "decimal",
           aliases=("家庭年收入（元）", "家庭年收入")),
    Column("paired", gettext_lazy("already paired for assistance"), "bool",
           aliases=("已结对帮扶",)),
)
M_COLUMNS = (
    Column("household", gettext_lazy("household number"), "text", True, ("户号", "户编号")),
    Column("name", gettext_lazy("Name"), "text", True, ("姓名",)),
    Column("id_number", gettext_lazy("resident identity number"), "id", True,
           ("居民身份证号码", "身份证号码", "身份证号")),
    Column("sex", gettext_lazy("sex"), "choice", aliases=("性别",)),
    Column("birth_date", gettext_lazy("birth date"), "date", aliases=("出生日期",)),
    Column("relationship", gettext_lazy("relationship to head"), "choice",
           aliases=("与户主关系",)),
    Column("phone", gettext_lazy("phone"), "phone", aliases=("联系电话", "手机号码", "电话")),
    Column("pension_insured", gettext_lazy("enrolled in resident pension insurance"), "bool",
           aliases=("参加城乡居民养老保险", "参保")),
    Column("member_number", gettext_lazy("member number"), "text",
           aliases=("会员编号", "会员证号")),
    Column("joined", gettext_lazy("joined"), "date", aliases=("入会日期",)),
    Column("member_role", gettext_lazy("Member role"), "choice", aliases=("会员类别", "会员身份")),
    Column("dues_years", gettext_lazy("Dues paid for years"), "years",
           aliases=("已缴会费年度", "缴费年度")),
    Column("left", gettext_lazy("left"), "date", export_only=True, aliases=("退会日期",)),
    Column("arrears_years", gettext_lazy("Dues owed for years"), "text", export_only=True,
           aliases=("欠缴会费年度",)),
    Column("arrears_yuan", gettext_lazy("Dues owed (yuan)"), "text", export_only=True,
           aliases=("欠缴会费（元）",)),
)
P_COLUMNS = (
    Column("receipt_number", gettext_lazy("receipt number"), "text", True, ("收据编号",)),
    Column("member_number", gettext_lazy("member number"), "text", aliases=("会员编号",)),
    Column("name", gettext_lazy("Name"), "text", aliases=("姓名",)),
    Column("household", gettext_lazy("household number"), "text", aliases=("户号",)),
    Column("year", gettext_lazy("dues year"), "text", aliases=("会费年度",)),
    Column("amount_yuan", gettext_lazy("amount (yuan)"), "text", aliases=("金额（元）",)),
    Column("paid_on", gettext_lazy("paid on"), "text", aliases=("缴费日期",)),
    Column("recorded_by", gettext_lazy("recorded by"), "text", aliases=("登记人",)),
)
# the enrolment sheet: people of the roster who join (the drive from Excel)
E_COLUMNS = (
    Column("id_number", gettext_lazy("resident identity number"), "id", True,
           ("居民身份证号码", "身份证号码", "身份证号")),
    Column("name", gettext_lazy("Name"), "text", aliases=("姓名",)),
    Column("member_number", gettext_lazy("member number"), "text",
           aliases=("会员编号", "会员证号")),
    Column("joined", gettext_lazy("joined"), "date", True, ("入会日期",)),
    Column("member_role", gettext_lazy("Member role"), "choice", aliases=("会员类别", "会员身份")),
)
SHEET_TITLES = {HOUSEHOLDS: gettext_lazy("Households"), MEMBERS: gettext_lazy("Members"),
                PAYMENTS: gettext_lazy("Dues payments"), SKIPPED: gettext_lazy("Instructions"),
                ENROLMENT: gettext_lazy("Enrolment")}
SKIPPED_SHEETS = {"说明", "instructions", "填写说明"}
ENROLMENT_SHEETS = {"入会", "入会登记", "enrolment", "enrollment"}

CHOICES = {
    "registration": Household.Registration,
    "special_family": Household.SpecialFamily,
    "sex": Person.Sex,
    "relationship": Person.Relationship,
    "member_role": Membership.Role,
}
# the Chinese words villages write for the choices, besides the labels
CHOICE_WORDS = {
    "registration": {"本地": "local", "户籍": "local", "常住": "local", "流动": "migrant",
                     "外来": "migrant", "流动人口": "migrant"},
    "special_family": {"无": "", "失独": "lost_only_child", "伤残": "disabled_only_child"},
    "sex": {"男": "M", "女": "F", "m": "M", "f": "F"},
    "relationship": {"户主": "head", "本人": "head", "配偶": "spouse", "妻": "spouse",
                     "夫": "spouse", "子女": "child", "子": "child", "女": "child",
                     "儿子": "child", "女儿": "child", "父母": "parent", "父亲": "parent",
                     "母亲": "parent", "其他": "other"},
    "member_role": {"会员": "member", "理事": "council", "志愿者": "volunteer"},
}
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "x"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", ""}


def _norm(text: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", str(text or "")).lower()


def _headers(column: Column) -> set[str]:
    names = {_norm(column.key), *(_norm(a) for a in column.aliases)}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names.add(_norm(str(column.label)))
    return names


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- reading cells --------------------------------------------------------------------------

class CellError(Exception):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Not a date: write it as 2024-03-01."))


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _norm(_text(value))
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("Write 是 (yes) or 否 (no)."))


def _choice(key: str, value: Any) -> str:
    text = _text(value)
    choices = CHOICES[key]
    if not text:
        return choices.values[0] if key == "special_family" else ""
    words = {_norm(k): v for k, v in CHOICE_WORDS.get(key, {}).items()}
    for member in choices:
        words[_norm(member.value)] = member.value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                words[_norm(str(member.label))] = member.value
    found = words.get(_norm(text))
    if found is None:
        labels = "、".join(str(m.label) for m in choices if m.value)
        raise CellError(_("Not one of: %(choices)s.") % {"choices": labels})
    return found


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise CellError(_("Not a number.")) from None
    if not number.is_finite():
        raise CellError(_("Not a number."))
    return number  # its range is the field's rule (RULED)


def _years(value: Any) -> list[int]:
    text = _text(value)
    if not text:
        return []
    years = []
    for part in re.split(r"[,，、;；\s]+", text):
        if not part:
            continue
        if not re.fullmatch(r"(19|20)\d\d", part):
            raise CellError(_("Years as 2024,2025: %(part)s is not a year.") % {"part": part})
        years.append(int(part))
    return sorted(set(years))


def _id_number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel keeps 15 digits of a number: an 18-digit ID typed as a number is lost
        raise CellError(_("Format this column as text: Excel rounds an 18-digit number."))
    try:
        return parse_resident_id(_text(value)).number
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


def _phone(value: Any) -> str:
    try:
        return clean_mobile_phone(_text(value))
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


READERS = {"text": lambda key, v: _text(v), "date": lambda key, v: _date(v),
           "bool": lambda key, v: _bool(v), "choice": _choice,
           "decimal": lambda key, v: _decimal(v), "years": lambda key, v: _years(v),
           "id": lambda key, v: _id_number(v), "phone": lambda key, v: _phone(v)}

# the columns whose values are a model field's, checked by that field's own rules
# (casework.field_rules: the same as the API's and the forms'); the key is the field's name
RULED = {"annual_income_yuan": Household, "one_child_certificate_date": Household,
         "second_birth_renounced_date": Household, "name": Person, "birth_date": Person,
         "joined": Membership}


def _ruled(key: str, value: Any) -> Any:
    """``value`` once its field's rules passed; a name as it is stored."""
    model = RULED.get(key)
    if model is None or value in (None, ""):
        return value
    try:
        if isinstance(value, str):
            return clean_text(model, key, value)
        validate_value(model, key, value)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))
    return value


# --- the parsed file --------------------------------------------------------------------------

@dataclass
class Row:
    sheet: str
    row: int
    values: dict[str, Any]
    columns: dict[str, str]  # key -> "C (header)" as in this sheet
    unread: set[str] = field(default_factory=set)  # keys whose cell has its own error

    def where(self, key: str) -> str:
        return self.columns.get(key, "")


@dataclass
class Plan:
    """What the file says and what is wrong with it; after ``import_workbook``, what was
    done (``counts``)."""

    households: list[Row] = field(default_factory=list)
    members: list[Row] = field(default_factory=list)
    enrolments: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    present: dict[str, set[str]] = field(default_factory=lambda: {
        HOUSEHOLDS: set(), MEMBERS: set(), ENROLMENT: set()})
    counts: Counter = field(default_factory=Counter)

    @property
    def clean(self) -> bool:
        return not self.errors

    @property
    def empty(self) -> bool:
        return not (self.households or self.members or self.enrolments)

    def error(self, row: Row | None, key: str, reason: str, *, sheet: str = "",
              line: int = 0, column: str = "") -> None:
        if row is not None:
            self.errors.append(RowError(row.sheet, row.row, row.where(key), str(reason)))
        else:
            self.errors.append(RowError(sheet, line, column, str(reason)))


def open_workbook(upload: IO[bytes], *, size: int | None = None):
    """The upload as an openpyxl read-only workbook; ``WorkbookRefused`` saying why not."""
    from openpyxl import load_workbook

    if size is not None and size > MAX_UPLOAD_BYTES:
        raise WorkbookRefused(_("The file is too large: at most %(mb)s MB.") % {
            "mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookRefused(_("This is an old Excel file (.xls): save it as an Excel "
                                "workbook (.xlsx) and upload that."))
    if not head.startswith(b"PK"):
        raise WorkbookRefused(_("This is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise WorkbookRefused(_("This is not an Excel workbook (.xlsx).")) from None
    if "xl/workbook.xml" not in names:
        raise WorkbookRefused(_("This is not an Excel workbook (.xlsx)."))
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise WorkbookRefused(_("The file is too large: at most %(mb)s MB.") % {
            "mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    upload.seek(0)
    try:
        return load_workbook(upload, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise WorkbookRefused(_("The workbook cannot be read; is it damaged?")) from None


def _sheet_kind(title: str, cells: tuple) -> tuple[str | None, tuple[Column, ...],
                                                  dict[str, int], list[int]]:
    """The kind of a sheet from its title and header row, with its columns, the
    recognised headers ({key: index}) and the indexes not recognised."""
    households = _match_header(cells, H_COLUMNS)
    if {"number", "village_code"} <= set(households[0]):
        return HOUSEHOLDS, H_COLUMNS, *households
    members = _match_header(cells, M_COLUMNS)
    enrolment = _match_header(cells, E_COLUMNS)
    if _norm(title) in {_norm(n) for n in ENROLMENT_SHEETS} | {
            _norm(str(SHEET_TITLES[ENROLMENT]))} or (
            {"id_number", "joined"} <= set(enrolment[0])
            and "household" not in members[0]):
        return ENROLMENT, E_COLUMNS, *enrolment
    if "id_number" in members[0]:
        return MEMBERS, M_COLUMNS, *members
    payments = _match_header(cells, P_COLUMNS)
    if "receipt_number" in payments[0]:
        return PAYMENTS, P_COLUMNS, *payments
    return None, (), {}, []


def _match_header(cells: tuple, columns: tuple[Column, ...]) -> tuple[dict[str, int],
                                                                        list[int]]:
    """{key: index} for the recognised headers, and the indexes not recognised."""
    lookup = {}
    for column in columns:
        for name in _headers(column):
            lookup.setdefault(name, column.key)
    found, unknown = {}, []
    for index, cell in enumerate(cells):
        name = _norm(cell)
        if not name:
            continue
        key = lookup.get(name)
        if key is None or key in found:
            unknown.append(index)
        else:
            found[key] = index
    return found, unknown


def read_workbook(workbook, plan: Plan) -> None:
    """Every row of every sheet into ``plan`` (rows streamed), with the cells' errors."""
    total = 0
    for sheet in workbook.worksheets:
        title = sheet.title
        if _norm(title) in {_norm(n) for n in SKIPPED_SHEETS} | {
                _norm(str(SHEET_TITLES[SKIPPED]))}:
            continue
        rows = sheet.iter_rows(values_only=True)
        header_cells = next(rows, None)
        if header_cells is None or not any(_text(c) for c in header_cells):
            continue  # an empty sheet
        kind, columns, found, unknown = _sheet_kind(title, header_cells)
        if kind is None:
            plan.error(None, "", _("The header row is not understood: a households sheet "
                                   "needs the columns %(h)s, a members sheet %(m)s, an "
                                   "enrolment sheet %(e)s.") % {
                "h": "、".join(str(c.label) for c in H_COLUMNS if c.required),
                "m": "、".join(str(c.label) for c in M_COLUMNS if c.required),
                "e": "、".join(str(c.label) for c in E_COLUMNS if c.required)},
                sheet=title, line=1, column="")
            continue
        if kind == PAYMENTS:
            continue  # the export's dues sheet: dues come in on the members sheet
        spec = {c.key: c for c in columns}
        names = {key: f"{_column_letter(i)} ({_text(header_cells[i])})"
                 for key, i in found.items()}
        for index in unknown:
            plan.error(None, "", _("Unknown column."), sheet=title, line=1,
                       column=f"{_column_letter(index)} ({_text(header_cells[index])})")
        for key, column in spec.items():
            if column.required and key not in found:
                plan.error(None, "", _("The column %(column)s is missing.") % {
                    "column": column.label}, sheet=title, line=1, column=str(column.label))
        if any(c.required and c.key not in found for c in spec.values()):
            continue
        plan.present[kind] |= {k for k in found if not spec[k].export_only}
        for line, cells in enumerate(rows, start=2):
            if cells is None or not any(_text(c) for c in cells):
                continue
            total += 1
            if total > MAX_ROWS:
                plan.error(None, "", _("Too many rows: at most %(n)s in one file.") % {
                    "n": MAX_ROWS}, sheet=title, line=line)
                return
            row = Row(title, line, {}, names)
            for key, index in found.items():
                column = spec[key]
                if column.export_only:
                    continue
                value = cells[index] if index < len(cells) else None
                try:
                    row.values[key] = _ruled(key, READERS[column.kind](key, value))
                except CellError as exc:
                    plan.error(row, key, str(exc))
                    row.unread.add(key)
                    continue
                if column.required and row.values[key] in ("", None):
                    plan.error(row, key, _("Required."))
            {HOUSEHOLDS: plan.households, MEMBERS: plan.members,
             ENROLMENT: plan.enrolments}[kind].append(row)


# --- checks of the whole file and against the register ---------------------------------------

def _chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class Register:
    """What the register holds for the file's numbers (read in chunks)."""

    villages: dict[str, Area]
    households: dict[str, tuple[int, str]]  # number -> (pk, village)
    persons: dict[str, tuple[int, int]]  # id hash -> (pk, household pk)
    member_numbers: dict[str, int]  # membership number -> person pk
    memberships: dict[int, Membership]  # person pk -> membership
    paid: dict[int, set[int]]  # membership pk -> years
    receipts: set[str]
    enrolees: dict[str, Enrolee] = field(default_factory=dict)  # id hash -> the person


@dataclass(frozen=True)
class Enrolee:
    """A person the enrolment sheet names, as the roster has them."""

    pk: int
    village: str
    name: str
    birth_date: date
    member_number: str | None  # their membership's, if any
    left: date | None


def _register(user: User, plan: Plan) -> Register:
    villages = {a.code: a for a in Area.objects.filter(
        level=Area.Level.VILLAGE, code__startswith=user.area_id or "-")}
    numbers = sorted({r.values.get("number") for r in plan.households}
                     | {r.values.get("household") for r in plan.members} - {None, ""})
    households = {}
    for chunk in _chunks(numbers):
        households.update({n: (pk, area) for n, pk, area in Household.objects.filter(
            number__in=chunk).values_list("number", "pk", "area_id")})
    ids = sorted({r.values["id_number"] for r in plan.members if r.values.get("id_number")})
    persons = {}
    for chunk in _chunks(ids):
        persons.update({h: (pk, hh) for h, pk, hh in Person.objects.filter(
            id_number__in=chunk).values_list("id_number_hash", "pk", "household_id")})
    wanted = sorted({r.values["member_number"] for r in (*plan.members, *plan.enrolments)
                     if r.values.get("member_number")})
    member_numbers = {}
    for chunk in _chunks(wanted):
        member_numbers.update(dict(Membership.objects.filter(number__in=chunk)
                                   .values_list("number", "person_id")))
    memberships: dict[int, Membership] = {}
    person_ids = sorted(pk for pk, _hh in persons.values())
    for chunk in _chunks(person_ids):
        memberships.update({m.person_id: m for m in Membership.objects.filter(
            person_id__in=chunk)})
    paid: dict[int, set[int]] = defaultdict(set)
    membership_ids = sorted(m.pk for m in memberships.values())
    for chunk in _chunks(membership_ids):
        for pk, year in DuesPayment.objects.filter(membership_id__in=chunk).values_list(
                "membership_id", "year"):
            paid[pk].add(year)
    receipts = set()
    wanted_receipts = sorted({dues.receipt_for(y, r.values["member_number"])
                              for r in plan.members if r.values.get("member_number")
                              for y in r.values.get("dues_years") or ()})
    for chunk in _chunks(wanted_receipts):
        receipts.update(DuesPayment.objects.filter(receipt_number__in=chunk)
                        .values_list("receipt_number", flat=True))
    enrolees = {}
    e_ids = sorted({r.values["id_number"] for r in plan.enrolments if r.values.get("id_number")})
    for chunk in _chunks(e_ids):
        for h, pk, village, name, birth, number, left in Person.objects.filter(
                id_number__in=chunk).values_list(
                "id_number_hash", "pk", "household__area_id", "name", "birth_date",
                "membership__number", "membership__left"):
            enrolees[h] = Enrolee(pk, village, name, birth, number, left)
    return Register(villages, households, persons, member_numbers, memberships, paid,
                    receipts, enrolees)


def _hash(id_number: str) -> str:
    return Person._meta.get_field("id_number").hash_of(id_number)


def check(user: User, plan: Plan) -> Register:
    """The file's checks as a whole and against the register; adds to ``plan.errors``."""
    reg = _register(user, plan)
    today = timezone.localdate()
    seen: dict[str, Row] = {}
    for row in plan.households:
        v = row.values
        number, code = v.get("number"), v.get("village_code")
        if number and not HOUSEHOLD_NUMBER.fullmatch(number):
            plan.error(row, "number", _("A household number has 3 to 30 letters, digits or "
                                        "hyphens."))
        elif number in seen:
            plan.error(row, "number", _("Also on row %(row)s.") % {"row": seen[number].row})
        elif number:
            seen[number] = row
        if code and code not in reg.villages:
            plan.error(row, "village_code", _("No village with this code in your area."))
        known = reg.households.get(number)
        if known is not None and code in reg.villages and known[1] != code:
            plan.error(row, "number", _("This household number belongs to a household of "
                                        "another village."))
    members_of: dict[str, list[Row]] = defaultdict(list)
    ids: dict[str, Row] = {}
    member_numbers: dict[str, Row] = {}
    for row in plan.members:
        v = row.values
        number = v.get("household")
        if number:
            members_of[number].append(row)
            known = reg.households.get(number)
            if number not in seen and known is None:
                plan.error(row, "household", _("No such household in this file or in the "
                                               "roster."))
            elif number not in seen and not known[1].startswith(user.area_id or "-"):
                plan.error(row, "household", _("No such household in this file or in the "
                                               "roster."))
        id_number = v.get("id_number")
        if id_number:
            parsed = parse_resident_id(id_number)
            if id_number in ids:
                plan.error(row, "id_number", _("Also on row %(row)s.") % {
                    "row": ids[id_number].row})
            ids.setdefault(id_number, row)
            if v.get("sex") and v["sex"] != parsed.sex:
                plan.error(row, "sex", _("Does not match the resident identity number."))
            v["sex"] = parsed.sex
            if v.get("birth_date") and v["birth_date"] != parsed.birth_date:
                plan.error(row, "birth_date", _("Does not match the resident identity "
                                                "number (%(date)s).") % {
                    "date": parsed.birth_date.isoformat()})
            v["birth_date"] = parsed.birth_date
            known = reg.persons.get(_hash(id_number))
            household = reg.households.get(number or "")
            if known is not None and (household is None or known[1] != household[0]):
                plan.error(row, "id_number", _("Already registered in another household."))
        if len(v.get("name") or "") > 60:
            plan.error(row, "name", _("At most 60 characters."))
        member = v.get("member_number")
        joined = v.get("joined")
        if member:
            if member in member_numbers:
                plan.error(row, "member_number", _("Also on row %(row)s.") % {
                    "row": member_numbers[member].row})
            member_numbers.setdefault(member, row)
            owner = reg.member_numbers.get(member)
            person = reg.persons.get(_hash(id_number)) if id_number else None
            if owner is not None and (person is None or owner != person[0]):
                plan.error(row, "member_number", _("Already the number of another member."))
            current = reg.memberships.get(person[0]) if person else None
            if current is not None and current.number != member:
                plan.error(row, "member_number", _("This person is member %(number)s in the "
                                                   "roster.") % {"number": current.number})
            if ("joined" in plan.present[MEMBERS] and joined is None and current is None
                    and "joined" not in row.unread):
                plan.error(row, "joined", _("Required for a member."))
            # a date in the future or before 1900 is the cell's error (RULED)
            if joined and v.get("birth_date") and joined < v["birth_date"]:
                plan.error(row, "joined", _("Before the person's birth."))
            start = joined or (current.joined if current else None)
            for year in v.get("dues_years") or ():
                if year < dues.first_year() or year > today.year + 1 or (
                        start and year < start.year):
                    plan.error(row, "dues_years", _("%(year)s: not a year this member owes "
                                                    "dues for.") % {"year": year})
                elif (dues.receipt_for(year, member) in reg.receipts
                      and year not in reg.paid.get(current.pk if current else -1, ())):
                    plan.error(row, "dues_years", _("%(year)s: receipt %(receipt)s is "
                                                    "already used.") % {
                        "year": year, "receipt": dues.receipt_for(year, member)})
        else:
            if joined:
                plan.error(row, "joined", _("A joining date needs a member number."))
            if v.get("dues_years"):
                plan.error(row, "dues_years", _("Dues need a member number."))
    for rows in members_of.values():
        heads = [r for r in rows if r.values.get("relationship") == Person.Relationship.HEAD]
        for extra in heads[1:]:
            plan.error(extra, "relationship", _("The household already has a head (row "
                                                "%(row)s).") % {"row": heads[0].row})
    for number, row in seen.items():
        if number not in members_of and number not in reg.households:
            plan.error(row, "number", _("A new household needs at least one member on the "
                                        "members sheet."))
    _check_enrolments(user, plan, reg, ids, member_numbers)
    return reg


def _check_enrolments(user: User, plan: Plan, reg: Register, on_members: dict[str, Row],
                      member_numbers: dict[str, Row]) -> None:
    """The enrolment sheet's rows: each names a person of the user's area (on the roster
    or on the file's members sheet) who is not a member, with a joining date that can be
    and a member number nobody else has."""
    seen: dict[str, Row] = {}
    for row in plan.enrolments:
        v = row.values
        id_number = v.get("id_number")
        if not id_number:
            continue  # the cell's own error is already listed
        if id_number in seen:
            plan.error(row, "id_number", _("Also on row %(row)s.") % {
                "row": seen[id_number].row})
            continue
        seen[id_number] = row
        member_row = on_members.get(id_number)
        known = reg.enrolees.get(_hash(id_number))
        if member_row is not None:
            if member_row.values.get("member_number"):
                plan.error(row, "id_number", _("Also given a member number on sheet "
                                               "%(sheet)s, row %(row)s.") % {
                    "sheet": member_row.sheet, "row": member_row.row})
                continue
            name, birth = member_row.values.get("name"), member_row.values.get("birth_date")
        elif known is None or not known.village.startswith(user.area_id or "-"):
            plan.error(row, "id_number", _("Unknown member: no person in your area has "
                                           "this resident identity number."))
            continue
        else:
            name, birth = known.name, known.birth_date
        person_pk = known.pk if known is not None else None
        if known is not None and known.member_number and known.left is None:
            plan.error(row, "id_number", _("Already a member (number %(number)s).") % {
                "number": known.member_number})
            continue
        if v.get("name") and name and v["name"] != name:
            plan.error(row, "name", _("Does not match the name on the roster (%(name)s).") % {
                "name": name})
        joined = v.get("joined")
        if joined and birth and joined < birth:
            plan.error(row, "joined", _("Before the person's birth."))
        elif joined and known is not None and known.left and joined < known.left:
            plan.error(row, "joined", _("Before the date the person left (%(date)s).") % {
                "date": known.left.isoformat()})
        number = v.get("member_number")
        if number:
            if len(number) > dues.NUMBER_MAX:
                plan.error(row, "member_number", _("At most %(n)s characters.") % {
                    "n": dues.NUMBER_MAX})
            elif number in member_numbers:
                other = member_numbers[number]
                plan.error(row, "member_number", _("Also on sheet %(sheet)s, row %(row)s.") % {
                    "sheet": other.sheet, "row": other.row})
            else:
                owner = reg.member_numbers.get(number)
                if owner is not None and owner != person_pk:
                    plan.error(row, "member_number", _("Already the number of another "
                                                       "member."))
            member_numbers.setdefault(number, row)


def check_workbook(user: User, upload: IO[bytes], *, size: int | None = None) -> Plan:
    """The dry run: every problem of the file; nothing is written."""
    plan = Plan()
    workbook = open_workbook(upload, size=size)
    try:
        read_workbook(workbook, plan)
    finally:
        workbook.close()
    if plan.empty and not plan.errors:
        plan.error(None, "", _("The file has no households or members."), sheet="", line=0)
    if not plan.empty:
        check(user, plan)
    plan.errors.sort(key=lambda e: (e.sheet, e.row, e.column))
    _count_rows(plan)
    return plan


def _count_rows(plan: Plan) -> None:
    plan.counts["households"] = len(plan.households)
    plan.counts["members"] = len(plan.members)
    plan.counts["enrolments"] = len(plan.enrolments)


# --- the import ------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = ("address", "registration", "one_child_certificate_date",
                    "two_daughter_household", "second_birth_renounced_date", "hardship",
                    "special_family", "annual_income_yuan", "paired")
PERSON_FIELDS = ("name", "relationship", "phone", "pension_insured")
BLANK = {"address": "", "registration": Household.Registration.LOCAL,
         "special_family": "", "annual_income_yuan": Decimal("0"), "relationship": "head",
         "phone": "", "member_role": Membership.Role.MEMBER}


def _value(values: dict, key: str) -> Any:
    value = values.get(key)
    if value in (None, "") and key in BLANK:
        return BLANK[key]
    return value


def may_import(user: User) -> bool:
    return dues.may_keep_register(user, user.area_id or "-") if user.is_authenticated else False


def import_workbook(user: User, upload: IO[bytes], *, size: int | None = None) -> Plan:
    """Check the file, then import all of it in one transaction, or nothing (the plan's
    errors say why). Idempotent by household number (see the module's docstring)."""
    if not may_import(user):
        plan = Plan()
        plan.error(None, "", _("Only the village's staff may change its roster."))
        return plan
    plan = Plan()
    workbook = open_workbook(upload, size=size)
    try:
        read_workbook(workbook, plan)
    finally:
        workbook.close()
    if plan.empty:
        if not plan.errors:
            plan.error(None, "", _("The file has no households or members."), sheet="",
                       line=0)
        return plan
    try:
        with transaction.atomic():
            reg = check(user, plan)  # the cells' errors and the file's, all of them
            plan.errors.sort(key=lambda e: (e.sheet, e.row, e.column))
            if plan.errors:
                return plan  # nothing written
            _write(user, plan, reg)
    except _Refused:  # the enrolment found what the checks did not: nothing stays
        plan.counts.clear()
        plan.errors.sort(key=lambda e: (e.sheet, e.row, e.column))
    except IntegrityError:  # the roster changed under the import (a second import)
        plan.counts.clear()
        plan.error(None, "", _("The roster changed while the file was imported; nothing "
                               "was imported. Please try again."))
    _count_rows(plan)
    return plan


class _Refused(Exception):
    """Raised inside the import's transaction to undo it (the plan holds the errors)."""


def _fill(row: Household | Person, values: dict[str, Any], fields: Sequence[str],
          present: Container[str]) -> None:
    """Set on a new row each of ``fields`` the file has a column for."""
    for key in fields:
        if key in present:
            setattr(row, key, _value(values, key))


def _apply_changes(row: Household | Person, values: dict[str, Any], fields: Sequence[str],
                   present: Container[str]) -> list[str]:
    """Set on a known row each of ``fields`` the file has a column for and gives another
    value; returns their names (what to save)."""
    changed = [key for key in fields if key in present and getattr(row, key) != _value(values, key)]
    for key in changed:
        setattr(row, key, _value(values, key))
    return changed


def _insert(model: type[Household | Person | Membership], rows: list, *, lookup: str,
            key: str) -> None:
    """Insert the new ``rows`` in batches and make sure each has its id: on a backend
    whose bulk insert returns none, they are read back by ``lookup`` (a unique field)
    and matched on ``key`` (the column that lookup compares, for an encrypted one its
    hash)."""
    model.objects.bulk_create(rows, batch_size=EXPORT_CHUNK)
    if any(row.pk is None for row in rows):  # a backend that returns no ids
        ids = dict(model.objects.filter(**{f"{lookup}__in": [getattr(row, lookup)
                                                             for row in rows]})
                   .values_list(key, "pk"))
        for row in rows:
            row.pk = ids[getattr(row, key)]


def _write(user: User, plan: Plan, reg: Register) -> None:
    now = timezone.now()
    h_present = plan.present[HOUSEHOLDS]
    m_present = plan.present[MEMBERS]
    # households: new ones created, known ones updated where the file differs
    by_number: dict[str, Household] = {}
    known = {pk: number for number, (pk, _v) in reg.households.items()}
    existing = {h.number: h for chunk in _chunks(sorted(known))
                for h in Household.objects.filter(pk__in=chunk)}
    new_households = []
    for row in plan.households:
        v = row.values
        household = existing.get(v["number"])
        if household is None:
            household = Household(number=v["number"], area=reg.villages[v["village_code"]])
            _fill(household, v, HOUSEHOLD_FIELDS, h_present)
            new_households.append(household)
        else:
            changed = _apply_changes(household, v, HOUSEHOLD_FIELDS, h_present)
            if changed:
                household.save(update_fields=[*changed, "updated"])
                plan.counts["households_updated"] += 1
        by_number[v["number"]] = household
    _insert(Household, new_households, lookup="number", key="number")
    plan.counts["households_created"] = len(new_households)
    for number, household in existing.items():
        by_number.setdefault(number, household)
    # members: matched by resident ID
    known_people = {pk for pk, _hh in reg.persons.values()}
    people = {p.id_number_hash: p for chunk in _chunks(sorted(known_people))
              for p in Person.objects.filter(pk__in=chunk)}
    new_people, person_of_row = [], {}
    for row in plan.members:
        v = row.values
        household = by_number[v["household"]]
        person = people.get(_hash(v["id_number"]))
        if person is None:
            person = Person(household_id=household.pk, id_number=v["id_number"], sex=v["sex"],
                            birth_date=v["birth_date"])
            _fill(person, v, PERSON_FIELDS, m_present)
            new_people.append(person)
        else:
            changed = _apply_changes(person, v, PERSON_FIELDS, m_present)
            if changed:
                fields = changed + (["phone_hash"] if "phone" in changed else [])
                person.save(update_fields=fields)
                plan.counts["members_updated"] += 1
        person_of_row[id(row)] = person
    _insert(Person, new_people, lookup="id_number", key="id_number_hash")
    plan.counts["members_created"] = len(new_people)
    # memberships and dues
    new_memberships, pending_dues = [], []
    for row in plan.members:
        v = row.values
        if not v.get("member_number"):
            continue
        person = person_of_row[id(row)]
        membership = reg.memberships.get(person.pk)
        if membership is None:
            membership = Membership(person_id=person.pk, number=v["member_number"],
                                    joined=v.get("joined") or timezone.localdate(),
                                    role=_value(v, "member_role"))
            new_memberships.append(membership)
        else:
            changed = []
            if "joined" in m_present and v.get("joined") and membership.joined != v["joined"]:
                membership.joined = v["joined"]
                changed.append("joined")
            if "member_role" in m_present and membership.role != _value(v, "member_role"):
                membership.role = _value(v, "member_role")
                changed.append("role")
            if changed:
                membership.save(update_fields=changed)
                plan.counts["memberships_updated"] += 1
        pending_dues.append((membership, person, v.get("dues_years") or ()))
    _insert(Membership, new_memberships, lookup="number", key="number")
    plan.counts["memberships_created"] = len(new_memberships)
    payments, touched = [], []
    area_of = {pk: by_number[row.values["household"]].area_id
               for row in plan.members for pk in (person_of_row[id(row)].pk,)}
    for membership in new_memberships:
        dues.record_joined_event(actor=user, membership=membership,
                                 village_code=area_of[membership.person_id], via="import")
    for membership, person, years in pending_dues:
        paid = reg.paid.get(membership.pk, set())
        missing = [y for y in years if y not in paid]
        for year in missing:
            payments.append(DuesPayment(
                membership_id=membership.pk, area_id=area_of[person.pk], year=year,
                amount_yuan=dues.amount_for(year) or dues.schedule()[0][1], paid_on=None,
                receipt_number=dues.receipt_for(year, membership.number), recorded_by=user,
                recorded_at=now))
        wanted = sorted(paid | set(years))
        if list(membership.dues_paid_years or []) != wanted:
            membership.dues_paid_years = wanted
            touched.append(membership)
    _insert(DuesPayment, payments, lookup="receipt_number", key="receipt_number")
    Membership.objects.bulk_update(touched, ["dues_paid_years"], batch_size=EXPORT_CHUNK)
    plan.counts["payments_created"] = len(payments)
    number_of = {m.pk: m.number for m, _p, _y in pending_dues}
    for payment in payments:
        dues.record_payment_event(actor=user, payment=payment, via="import",
                                  member_number=number_of[payment.membership_id])
    _enrol(user, plan, reg, person_of_row, by_number)
    record(actor=user, action="roster_imported", area_id=user.area_id,
           subject="casework.roster", subject_id=user.area_id,
           detail={key: plan.counts[key] for key in sorted(plan.counts)})


# the enrolment service's fields, as the enrolment sheet's columns
ENROLMENT_FIELDS = {"person": "id_number", "number": "member_number", "joined": "joined",
                    "role": "member_role"}


def _enrol(user: User, plan: Plan, reg: Register, person_of_row: dict[int, Person],
           by_number: dict[str, Household]) -> None:
    """The enrolment sheet's people join (``dues.enrol_members``, one call per village,
    inside the import's transaction); what it refuses undoes the whole import."""
    if not plan.enrolments:
        plan.counts["enrolled"] = 0
        return
    on_members = {_hash(row.values["id_number"]): (person_of_row[id(row)],
                                                   by_number[row.values["household"]].area_id)
                  for row in plan.members}
    by_village: dict[str, list[tuple[Row, dues.Enrolment]]] = defaultdict(list)
    for row in plan.enrolments:
        v = row.values
        key = _hash(v["id_number"])
        if key in on_members:
            person, village = on_members[key]
            pk = person.pk
        else:
            known = reg.enrolees[key]
            pk, village = known.pk, known.village
        by_village[village].append((row, dues.Enrolment(
            person_id=pk, number=v.get("member_number") or "", joined=v["joined"],
            role=_value(v, "member_role"))))
    enrolled = 0
    for village, items in sorted(by_village.items()):
        try:
            done = dues.enrol_members(actor=user, village_code=village,
                                      entries=[e for _r, e in items], via="import")
        except dues.EnrolmentRefused as exc:
            for problem in exc.problems:
                row = items[problem.index][0]
                plan.error(row, ENROLMENT_FIELDS.get(problem.field, "id_number"),
                           problem.message)
            raise _Refused from exc
        except CaseConflict as exc:
            plan.error(None, "", exc.message, sheet=items[0][0].sheet, line=items[0][0].row)
            raise _Refused from exc
        enrolled += len(done)
    plan.counts["enrolled"] = enrolled


# --- the template and the export -------------------------------------------------------------

def safe_cell(value: Any) -> Any:
    """Text a spreadsheet will not run as a formula, without characters XML refuses."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(("=", "+", "-", "@", "\t", "\r")):
            return "'" + value
    return value


def _header(columns: Iterable[Column]) -> list[str]:
    return [str(c.label) for c in columns]


INSTRUCTIONS = (
    gettext_lazy("One row per household on the households sheet, one row per person on "
                 "the members sheet; the first row names the columns."),
    gettext_lazy("Resident identity numbers as text (format the column as text first)."),
    gettext_lazy("Dates as 2024-03-01; yes/no as 是/否; dues years as 2024,2025."),
    gettext_lazy("A household already on the roster is updated from the file; nothing "
                 "is deleted. A column left out changes nothing; a blank cell clears the "
                 "value."),
    gettext_lazy("The enrolment sheet lists people already on the roster (or on the "
                 "members sheet) who join the association: resident identity number, "
                 "joining date, and a member number (left empty, one is given: village "
                 "code-year-sequence)."),
    gettext_lazy("Upload the file for a dry run first: it lists every problem, and "
                 "nothing is imported until the file has none."),
)


def write_template() -> IO[bytes]:
    """An empty workbook with the instructions, households and members sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    notes = workbook.active
    notes.title = str(SHEET_TITLES[SKIPPED])[:31]
    for line in INSTRUCTIONS:
        notes.append([str(line)])
    id_column = {HOUSEHOLDS: 1, MEMBERS: 3, ENROLMENT: 1}
    for kind, columns in ((HOUSEHOLDS, H_COLUMNS), (MEMBERS, M_COLUMNS),
                          (ENROLMENT, E_COLUMNS)):
        sheet = workbook.create_sheet(str(SHEET_TITLES[kind])[:31])
        sheet.append(_header(c for c in columns if not c.export_only))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in range(2, 202):  # ID numbers typed later stay text
            sheet.cell(row=row, column=id_column[kind]).number_format = "@"
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def households_for_export(user: User, area_code: str | None = None):
    rows = Household.objects.filter(access.area_q(user, household_field=""))
    if area_code:
        rows = rows.filter(area__code__startswith=area_code)
    return rows.select_related("area").order_by("id")


def write_export(user: User, *, area_code: str | None = None, full: bool = False,
                 up_to: int | None = None) -> IO[bytes]:
    """The register of ``user``'s area (or of ``area_code`` in it) as xlsx, written row by
    row (openpyxl write-only) from keyset chunks; numbers masked unless ``full``."""
    from openpyxl import Workbook

    up_to = up_to or timezone.localdate().year
    workbook = Workbook(write_only=True)
    h_sheet = workbook.create_sheet(str(SHEET_TITLES[HOUSEHOLDS])[:31])
    m_sheet = workbook.create_sheet(str(SHEET_TITLES[MEMBERS])[:31])
    p_sheet = workbook.create_sheet(str(SHEET_TITLES[PAYMENTS])[:31])
    h_sheet.append(_header(H_COLUMNS))
    m_sheet.append(_header(M_COLUMNS))
    p_sheet.append(_header(P_COLUMNS))
    base = households_for_export(user, area_code)
    people = Person.objects.select_related("membership").prefetch_related(
        Prefetch("membership__dues_payments",
                 queryset=DuesPayment.objects.select_related("recorded_by")))
    last = 0
    while True:
        chunk = list(base.filter(pk__gt=last).prefetch_related(
            Prefetch("members", queryset=people))[:EXPORT_CHUNK])
        for household in chunk:
            h_sheet.append([safe_cell(v) for v in (
                household.number, household.area_id, household.area.name, household.address,
                household.get_registration_display(), household.one_child_certificate_date,
                _yes(household.two_daughter_household), household.second_birth_renounced_date,
                _yes(household.hardship), household.get_special_family_display()
                if household.special_family else "", household.annual_income_yuan,
                _yes(household.paired))])
            for person in household.members.all():
                membership = getattr(person, "membership", None)
                payments = list(membership.dues_payments.all()) if membership else []
                owed = (dues.arrears(membership, [p.year for p in payments], up_to)
                        if membership else None)
                m_sheet.append([safe_cell(v) for v in (
                    household.number, person.name,
                    person.id_number if full else mask_resident_id(person.id_number),
                    person.get_sex_display(), person.birth_date,
                    person.get_relationship_display(),
                    person.phone if full else mask_phone(person.phone),
                    _yes(person.pension_insured),
                    membership.number if membership else "",
                    membership.joined if membership else None,
                    membership.get_role_display() if membership else "",
                    ",".join(str(p.year) for p in payments),
                    membership.left if membership else None,
                    ",".join(str(y) for y in owed.years) if owed else "",
                    owed.amount_yuan if owed else None)])
                for payment in payments:
                    p_sheet.append([safe_cell(v) for v in (
                        payment.receipt_number, membership.number, person.name,
                        household.number, payment.year, payment.amount_yuan, payment.paid_on,
                        _recorder(payment))])
        if len(chunk) < EXPORT_CHUNK:
            break
        last = chunk[-1].pk
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _recorder(payment: DuesPayment) -> str:
    user = payment.recorded_by
    if user is None:
        return ""
    return user.display_name or user.get_username()
