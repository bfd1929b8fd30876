"""The roster import's enrolment sheet (入会): people of the roster, or of the file's
members sheet, join; the dry run lists every bad row (an unknown member names the row
and the column), nothing is stored until the file is clean, then one transaction; the
import's changes are recorded (RecordEvent)."""

import io
from datetime import date

from django.utils import translation
from openpyxl import Workbook

from casework.models import DuesPayment, Household, Membership, Person, RecordEvent
from casework.personal.identity import make_resident_id
from casework.register import excel as register_io

from .conftest import member

V11 = "330703001001"
E_HEAD = ["居民身份证号码", "姓名", "会员编号", "入会日期"]
M_HEAD = ["户号", "姓名", "居民身份证号码", "性别", "出生日期", "与户主关系", "联系电话",
          "会员编号", "入会日期", "已缴会费年度"]
H_HEAD = ["户号", "村（居）代码", "地址", "户籍类型", "困难户"]
NOBODY = make_resident_id("330703", date(1977, 7, 7), 555, "M")


def workbook(sheets):
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def counts():
    return [m.objects.count() for m in (Household, Person, Membership, DuesPayment,
                                        RecordEvent)]


def test_an_unknown_member_is_reported_with_its_row_and_column_and_nothing_is_imported(
        register):
    vil = register["users"]["village"]
    child = register["child"]
    former = member(register["home"], name="退会者", left=date(2025, 1, 1),
                    relationship="child")
    before = counts()
    new_id = make_resident_id("330703", date(1990, 2, 2), 777, "F")
    bad = workbook({
        "户": [H_HEAD, ["IMP-0009", V11, "新址", "本地", "否"]],
        "成员": [M_HEAD, ["IMP-0009", "新户主", new_id, "", "", "户主", "", "", "", ""]],
        "入会": [E_HEAD,
                 [child.id_number, "王小孩", "", "2025-03-01"],  # row 2: fine
                 [NOBODY, "无名", "", "2025-03-01"],  # row 3: nobody with this ID
                 [register["stranger"].id_number, "", "", "2025-03-01"],  # row 4: v21
                 [register["head"].id_number, "", "", "2025-03-01"],  # row 5: a member
                 [former.id_number, "", "", "2025-13-01"],  # row 6: not a date
                 [new_id, "新户主", "", "2099-01-01"],  # row 7: future
                 [child.id_number, "", "", "2025-03-01"],  # row 8: twice
                 ]})
    with translation.override("en"):
        plan = register_io.import_workbook(vil, bad)
    assert counts() == before  # nothing imported, the households sheet neither
    found = {(e.sheet, e.row, e.column): e.reason for e in plan.errors}
    assert found[("入会", 3, "A (居民身份证号码)")] == (
        "Unknown member: no person in your area has this resident identity number.")
    assert found[("入会", 4, "A (居民身份证号码)")].startswith("Unknown member")
    assert found[("入会", 5, "A (居民身份证号码)")] == (
        f"Already a member (number {register['head'].membership.number}).")
    assert ("入会", 6, "D (入会日期)") in found
    # the joining date's own rule (casework.field_rules), as the forms and API say it
    assert found[("入会", 7, "D (入会日期)")] == "Joined cannot be in the future."
    assert found[("入会", 8, "A (居民身份证号码)")] == "Also on row 2."
    assert not any(e.row == 2 and e.sheet == "入会" for e in plan.errors)
    dry = register_io.check_workbook(vil, workbook({"入会": [E_HEAD, [NOBODY, "", "",
                                                                   "2025-03-01"]]}))
    assert [(e.sheet, e.row, e.column.split(" ")[0]) for e in dry.errors] == [("入会", 2, "A")]


def test_a_clean_enrolment_sheet_enrols_in_one_go_and_records_it(register):
    vil = register["users"]["village"]
    child = register["child"]
    former = member(register["home"], name="退会者", left=date(2025, 1, 1),
                    relationship="child")
    new_id = make_resident_id("330703", date(1990, 2, 2), 777, "F")
    good = workbook({
        "户": [H_HEAD, ["IMP-0009", V11, "新址", "本地", "否"]],
        "成员": [M_HEAD, ["IMP-0009", "新户主", new_id, "", "", "户主", "", "", "", ""]],
        "Enrolment": [["resident identity number", "member number", "joined"],
                      [child.id_number, "", date(2025, 3, 1)],
                      [former.id_number, "", "2025-04-01"],
                      [new_id, "GIVEN-1", "2025-05-01"]],
    })
    assert register_io.check_workbook(vil, good).errors == []
    assert not Membership.objects.filter(person=child).exists()  # a dry run
    good.seek(0)
    plan = register_io.import_workbook(vil, good)
    assert plan.clean, plan.errors
    assert plan.counts["enrolled"] == 3 and plan.counts["enrolments"] == 3
    assert Membership.objects.get(person=child).number == f"{V11}-2025-0001"
    former.membership.refresh_from_db()
    assert (former.membership.left, former.membership.joined) == (None, date(2025, 4, 1))
    newcomer = Person.objects.get(id_number=new_id)
    assert Membership.objects.get(person=newcomer).number == "GIVEN-1"
    joined = RecordEvent.objects.filter(action="membership_joined")
    assert sorted(e.detail["number"] for e in joined) == sorted(
        [f"{V11}-2025-0001", former.membership.number, "GIVEN-1"])
    assert {e.detail["via"] for e in joined} == {"import"}
    summary = RecordEvent.objects.get(action="roster_imported")
    assert (summary.area_id, summary.actor_id, summary.detail["enrolled"],
            summary.detail["households_created"]) == (V11, vil.pk, 3, 1)
    # the same file again: everyone is a member now, nothing changes
    good.seek(0)
    before = counts()
    again = register_io.import_workbook(vil, good)
    assert not again.clean and counts() == before


def test_a_member_number_on_both_sheets_and_a_taken_number_are_refused(register):
    vil = register["users"]["village"]
    new_id = make_resident_id("330703", date(1990, 2, 2), 777, "F")
    bad = workbook({
        "户": [H_HEAD, ["IMP-0009", V11, "新址", "本地", "否"]],
        "成员": [M_HEAD, ["IMP-0009", "新户主", new_id, "", "", "户主", "", "NEW-1",
                          "2025-01-01", ""]],
        "入会": [E_HEAD, [new_id, "", "", "2025-03-01"],
                 [register["child"].id_number, "别名", register["head"].membership.number,
                  "2025-03-01"]],
    })
    with translation.override("en"):
        plan = register_io.check_workbook(vil, bad)
    found = {(e.sheet, e.row, e.column.split(" ")[0]): e.reason for e in plan.errors}
    assert found[("入会", 2, "A")] == "Also given a member number on sheet 成员, row 2."
    assert found[("入会", 3, "C")] == "Already the number of another member."
    assert found[("入会", 3, "B")] == "Does not match the name on the roster (王小孩)."


def test_the_import_records_its_memberships_and_payments(register):
    from .test_import_export import clean_file

    vil = register["users"]["village"]
    plan = register_io.import_workbook(vil, clean_file())
    assert plan.clean
    joined = RecordEvent.objects.filter(action="membership_joined")
    assert sorted(e.detail["number"] for e in joined) == ["HY-1", "HY-2"]
    paid = RecordEvent.objects.filter(action="dues_paid")
    assert sorted(e.detail["receipt_number"] for e in paid) == [
        "R2024-HY-1", "R2025-HY-1", "R2025-HY-2"]
    assert {e.area_id for e in paid} == {V11}
    assert RecordEvent.objects.filter(action="roster_imported").count() == 1
