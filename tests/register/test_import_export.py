"""Excel import (dry run listing every problem, nothing imported until clean, one
transaction, idempotent by household number) and export (masked unless a purpose is
given, recorded)."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from casework.models import AccessRecord, DuesPayment, Household, Membership, Person
from casework.personal.identity import make_resident_id
from casework.register import excel as register_io

H_HEAD = ["户号", "村（居）代码", "地址", "户籍类型", "困难户"]
M_HEAD = ["户号", "姓名", "居民身份证号码", "性别", "出生日期", "与户主关系", "联系电话",
          "会员编号", "入会日期", "已缴会费年度"]
V11, V12, V21 = "330703001001", "330703001002", "330703002001"


def rid(birth, seq, sex="M"):
    return make_resident_id("330703", birth, seq, sex)


A1, A2 = rid(date(1960, 1, 2), 101), rid(date(1962, 2, 3), 102, "F")
B1 = rid(date(1970, 3, 4), 103)


def workbook(sheets: dict[str, list[list]]) -> io.BytesIO:
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


def clean_file():
    return workbook({
        "户": [H_HEAD, ["IMP-0001", V11, "一组3号", "本地", "否"],
               ["IMP-0002", V11, "一组4号", "流动", "是"]],
        "成员": [M_HEAD,
                 ["IMP-0001", "周一", A1, "男", date(1960, 1, 2), "户主", "13812345678",
                  "HY-1", date(2019, 5, 1), "2024,2025"],
                 ["IMP-0001", "吴二", A2, "女", None, "配偶", "", "", None, ""],
                 ["IMP-0002", "郑三", B1, "", "", "户主", "", "HY-2", "2025-01-01", "2025"]],
    })


def test_a_clean_file_imports_everything(register):
    vil = register["users"]["village"]
    plan = register_io.check_workbook(vil, clean_file())
    assert plan.errors == []
    assert Household.objects.filter(number__startswith="IMP").count() == 0  # a dry run
    plan = register_io.import_workbook(vil, clean_file())
    assert plan.clean
    first = Household.objects.get(number="IMP-0001")
    assert (first.area_id, first.address, first.registration, first.hardship) == (
        V11, "一组3号", "local", False)
    assert Household.objects.get(number="IMP-0002").registration == "migrant"
    zhou = Person.objects.get(id_number=A1)
    assert (zhou.name, zhou.sex, zhou.birth_date, zhou.phone, zhou.relationship) == (
        "周一", "M", date(1960, 1, 2), "13812345678", "head")
    assert Person.objects.get(id_number=A2).sex == "F"
    m = Membership.objects.get(number="HY-1")
    assert (m.person_id, m.joined, m.dues_paid_years) == (zhou.pk, date(2019, 5, 1),
                                                          [2024, 2025])
    assert sorted(DuesPayment.objects.filter(membership=m).values_list(
        "year", "amount_yuan", "receipt_number")) == [
        (2024, Decimal("10.00"), "R2024-HY-1"), (2025, Decimal("10.00"), "R2025-HY-1")]
    assert (plan.counts["households_created"], plan.counts["members_created"],
            plan.counts["memberships_created"], plan.counts["payments_created"]) == (2, 3, 2, 3)


def test_a_second_import_of_the_same_file_changes_nothing(register):
    vil = register["users"]["village"]
    register_io.import_workbook(vil, clean_file())
    counts = [m.objects.count() for m in (Household, Person, Membership, DuesPayment)]
    plan = register_io.import_workbook(vil, clean_file())
    assert plan.clean
    assert [m.objects.count() for m in (Household, Person, Membership, DuesPayment)] == counts
    assert sum(v for k, v in plan.counts.items() if k.endswith(("_created", "_updated"))) == 0


def test_an_import_updates_known_households_and_adds_members(register):
    vil = register["users"]["village"]
    register_io.import_workbook(vil, clean_file())
    new = rid(date(1995, 5, 5), 104, "F")
    changed = workbook({
        "户": [H_HEAD, ["IMP-0001", V11, "一组3号（新）", "本地", "是"]],
        "成员": [M_HEAD,
                 ["IMP-0001", "周一", A1, "男", "", "户主", "13900000000", "HY-1", "",
                  "2024,2025,2026"],
                 ["IMP-0001", "周女", new, "女", "", "子女", "", "", "", ""]],
    })
    plan = register_io.import_workbook(vil, changed)
    assert plan.clean, plan.errors
    first = Household.objects.get(number="IMP-0001")
    assert (first.address, first.hardship) == ("一组3号（新）", True)
    assert Person.objects.get(id_number=A1).phone == "13900000000"
    assert Person.objects.get(id_number=new).household_id == first.pk
    assert Person.objects.filter(id_number=A2).exists()  # nothing deleted
    assert Membership.objects.get(number="HY-1").dues_paid_years == [2024, 2025, 2026]
    assert DuesPayment.objects.get(receipt_number="R2026-HY-1").amount_yuan == Decimal("12.00")
    assert (plan.counts["households_updated"], plan.counts["members_updated"],
            plan.counts["members_created"], plan.counts["payments_created"]) == (1, 1, 1, 1)


def bad_file(register):
    taken = register["head"].id_number
    return workbook({
        "户": [H_HEAD,
               ["IMP-0001", V11, "", "本地", "否"],
               ["IMP-0001", V11, "", "本地", "否"],  # row 3: the number again
               ["IMP-0003", V21, "", "火星", "也许"],  # row 4: another township, 2 bad cells
               ["x", V11, "", "", ""]],  # row 5: number format; no members
        "成员": [M_HEAD,
                 ["IMP-0001", "周一", A1[:-1] + ("0" if A1[-1] != "0" else "1"), "", "", "户主",
                  "", "", "", ""],  # row 2: checksum
                 ["IMP-0001", "吴二", A2, "男", date(1999, 1, 1), "户主", "12345", "", "",
                  "2024"],  # row 3: sex, birth date, second head, phone, dues w/o member
                 ["NOPE", "无户", B1, "", "", "", "", "", "", ""],  # row 4: no such household
                 ["IMP-0001", "", taken, "", "", "子女", "", "HY-9", "", "2020"],
                 # row 5: name required, ID registered elsewhere (and a member under
                 # another number), dues year before dues
                 ["IMP-0001", "钱六", rid(date(1980, 8, 8), 105), "", "", "子女", "",
                  "HY-10", "", ""]],  # row 6: a new member without a joining date
        "二组": [["姓名", "备注"], ["张三", "x"]],  # header not understood
    })


def test_the_dry_run_lists_every_bad_row_and_nothing_is_imported(register):
    vil = register["users"]["village"]
    before = [m.objects.count() for m in (Household, Person, Membership, DuesPayment)]
    plan = register_io.import_workbook(vil, bad_file(register))
    assert [m.objects.count() for m in (Household, Person, Membership, DuesPayment)] == before
    found = {(e.sheet, e.row, e.column.split(" ")[0]) for e in plan.errors}
    assert {
        ("户", 3, "A"), ("户", 4, "B"), ("户", 4, "D"), ("户", 4, "E"), ("户", 5, "A"),
        ("成员", 2, "C"),
        ("成员", 3, "D"), ("成员", 3, "E"), ("成员", 3, "F"), ("成员", 3, "G"),
        ("成员", 3, "J"),
        ("成员", 4, "A"),
        ("成员", 5, "B"), ("成员", 5, "C"), ("成员", 5, "H"), ("成员", 5, "J"),
        ("成员", 6, "I"),
        ("二组", 1, ""),
    } <= found, sorted(found)
    for error in plan.errors:
        assert error.reason, error
        if error.row > 1:
            assert error.column, error
    dry = register_io.check_workbook(vil, bad_file(register))
    assert [e.as_tuple() for e in dry.errors] == [e.as_tuple() for e in plan.errors]


def test_reasons_are_in_the_users_language(register):
    from django.utils import translation

    vil = register["users"]["village"]
    with translation.override("en"):
        plan = register_io.check_workbook(vil, bad_file(register))
    reasons = {(e.sheet, e.row, e.column.split(" ")[0]): e.reason for e in plan.errors}
    assert reasons[("成员", 4, "A")] == "No such household in this file or in the roster."
    assert "check character" in reasons[("成员", 2, "C")]


@pytest.mark.parametrize(("content", "words"), [
    (b"name,id\n1,2\n", "not an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file"),
    (b"PK\x03\x04garbage", "not an Excel workbook"),
])
def test_files_that_are_not_xlsx_are_refused_clearly(register, content, words):
    from django.utils import translation

    with translation.override("en"), pytest.raises(register_io.WorkbookRefused) as exc:
        register_io.check_workbook(register["users"]["village"], io.BytesIO(content))
    assert words in str(exc.value)


def test_a_file_over_the_limit_is_refused(register):
    with pytest.raises(register_io.WorkbookRefused):
        register_io.check_workbook(register["users"]["village"], clean_file(),
                                   size=register_io.MAX_UPLOAD_BYTES + 1)


def test_the_pages_dry_run_then_confirm(register):
    client = Client()
    client.force_login(register["users"]["village"])
    bad = bad_file(register)
    bad.name = "bad.xlsx"
    response = client.post(reverse("register:import"), {"file": bad},
                           HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200 and "wf-import-error" in text
    assert "No such household in this file or in the roster." in text
    assert "wf-import-clean" not in text
    token = response.context["token"]
    problems = client.get(reverse("register:import_errors"), {"token": token})
    assert problems.status_code == 200
    assert len(problems.content.decode("utf-8-sig").strip().splitlines()) == len(
        response.context["plan"].errors) + 1
    # confirming a file with problems imports nothing
    client.post(reverse("register:import_confirm"), {"token": token})
    assert not Household.objects.filter(number__startswith="IMP").exists()
    good = clean_file()
    good.name = "good.xlsx"
    response = client.post(reverse("register:import"), {"file": good})
    assert "wf-import-clean" in response.content.decode()
    assert not Household.objects.filter(number__startswith="IMP").exists()
    response = client.post(reverse("register:import_confirm"),
                           {"token": response.context["token"]})
    assert response.status_code == 302
    assert Household.objects.filter(number__startswith="IMP").count() == 2
    # a token is the session's own
    other = Client()
    other.force_login(register["users"]["village"])
    assert other.post(reverse("register:import_confirm"), {"token": token}
                      ).status_code == 302
    not_xlsx = io.BytesIO(b"a,b\n")
    not_xlsx.name = "list.csv"
    response = client.post(reverse("register:import"), {"file": not_xlsx},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-field="file"' in response.content.decode()


def test_the_template_reads_back_as_an_empty_register(register):
    client = Client()
    client.force_login(register["users"]["village"])
    response = client.get(reverse("register:import_template"))
    data = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert len(book.sheetnames) == 4  # instructions, households, members, enrolment
    from django.utils import translation

    with translation.override("en"):
        plan = register_io.check_workbook(register["users"]["village"], io.BytesIO(data))
    assert [e.reason for e in plan.errors] == ["The file has no households or members."]


def _export(client, **params):
    response = client.get(reverse("register:export"), {"area": "", **params})
    assert response.status_code == 200, response.content[:500]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return {name: [list(r) for r in book[name].iter_rows(values_only=True)]
            for name in book.sheetnames}


def test_the_export_masks_numbers_unless_a_purpose_is_given(register):
    client = Client()
    client.force_login(register["users"]["village"])
    sheets = _export(client)
    households, members, payments = sheets.values()
    assert [r[0] for r in households[1:]] == [register["home"].number]  # the village only
    head = next(r for r in members if r[1] == "王户主")
    assert head[2] == register["head"].id_number[:6] + "********" + register["head"].id_number[-4:]
    assert head[11] == "2024,2025" and head[13] == "2026" and head[14] == 12
    assert {r[0] for r in payments[1:]} == {f"P2024-{register['head'].pk}",
                                            f"P2025-{register['head'].pk}",
                                            f"P2024-{register['spouse'].pk}"}
    record = AccessRecord.objects.get()
    assert record.kind == "export" and "masked" in record.object_ref
    sheets = _export(client, purpose="年度会员核对")
    head = next(r for r in sheets[list(sheets)[1]] if r[1] == "王户主")
    assert head[2] == register["head"].id_number
    assert AccessRecord.objects.filter(purpose="年度会员核对", object_ref__contains="full"
                                       ).count() == 1


def test_an_auditor_export_stays_masked_even_with_a_purpose(register):
    client = Client()
    client.force_login(register["users"]["auditor"])
    sheets = _export(client, purpose="审计抽查")
    members = sheets[list(sheets)[1]]
    assert register["head"].id_number not in {r[2] for r in members}
    assert len(sheets[list(sheets)[0]]) == 3  # both villages' households, and the header


def test_a_full_export_reads_back_without_changes(register):
    client = Client()
    client.force_login(register["users"]["village"])
    response = client.get(reverse("register:export"), {"purpose": "备份核对"})
    data = b"".join(response.streaming_content)
    plan = register_io.import_workbook(register["users"]["village"], io.BytesIO(data))
    assert plan.clean, plan.errors
    assert sum(v for k, v in plan.counts.items() if k.endswith(("_created", "_updated"))) == 0


def test_the_command_checks_and_imports(register, tmp_path):
    path = tmp_path / "village.xlsx"
    path.write_bytes(clean_file().getvalue())
    user = register["users"]["village"].username
    out = io.StringIO()
    call_command("import_register", str(path), user=user, dry_run=True, stdout=out)
    assert not Household.objects.filter(number__startswith="IMP").exists()
    call_command("import_register", str(path), user=user, stdout=out)
    assert Household.objects.filter(number__startswith="IMP").count() == 2
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(bad_file(register).getvalue())
    with pytest.raises(CommandError):
        call_command("import_register", str(bad), user=user, stdout=io.StringIO())
