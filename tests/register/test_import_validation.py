"""Issue 12 point 4 through the Excel import: the same field rules as the API and the
forms (``casework.field_rules``); the dry run lists each bad cell with its sheet, row,
column and reason, and nothing is imported."""

from datetime import date

from django.utils import translation

from casework.models import DuesPayment, Household, Membership, Person
from casework.register import excel as register_io

from .test_import_export import A1, A2, B1, V11, workbook

H_HEAD = ["户号", "村（居）代码", "家庭年收入（元）", "独生子女父母光荣证日期", "放弃二孩生育日期"]
M_HEAD = ["户号", "姓名", "居民身份证号码", "与户主关系", "会员编号", "入会日期"]


def _counts():
    return [m.objects.count() for m in (Household, Person, Membership, DuesPayment)]


def bad_values_file():
    return workbook({
        "户": [H_HEAD,
               ["VAL-0001", V11, -5, "", ""],  # row 2: negative income
               ["VAL-0002", V11, "12,000,000", "0001-01-01", ""],  # row 3: too much, too early
               ["VAL-0003", V11, 18000, "9999-12-31", "2999-01-01"],  # row 4: future dates
               ["VAL-0004", V11, 18000, date(1985, 6, 1), ""]],  # row 5: fine
        "成员": [M_HEAD,
                 ["VAL-0001", "\u200b\u200b", A1, "户主", "", ""],  # row 2: invisible name
                 ["VAL-0002", "\u3164", A2, "户主", "", ""],  # row 3: a blank filler
                 ["VAL-0003", "郑三", B1, "户主", "VAL-M1", "0001-01-01"],  # row 4: joined
                 ["VAL-0004", "\u200b王\u3000五\u200d", _person(), "户主", "", ""]],  # row 5
    })


def _person():
    from .test_import_export import rid

    return rid(date(1988, 8, 8), 131)


def test_the_dry_run_lists_each_bad_value_with_its_column_and_reason(register):
    vil = register["users"]["village"]
    with translation.override("en"):
        plan = register_io.check_workbook(vil, bad_values_file())
    found = {(e.sheet, e.row, e.column): e.reason for e in plan.errors}
    assert found == {
        ("户", 2, "C (家庭年收入（元）)"): "Annual household income (yuan) cannot be negative.",
        ("户", 3, "C (家庭年收入（元）)"): (
            "Annual household income (yuan) cannot be more than 10,000,000 yuan: please "
            "check the amount."),
        ("户", 3, "D (独生子女父母光荣证日期)"): (
            "One-child parents' certificate date cannot be before 1900-01-01."),
        ("户", 4, "D (独生子女父母光荣证日期)"): (
            "One-child parents' certificate date cannot be in the future."),
        ("户", 4, "E (放弃二孩生育日期)"): "Second birth renounced on cannot be in the future.",
        ("成员", 2, "B (姓名)"): (
            "Name needs at least one visible character, not only spaces or invisible "
            "characters."),
        ("成员", 3, "B (姓名)"): (
            "Name needs at least one visible character, not only spaces or invisible "
            "characters."),
        ("成员", 4, "F (入会日期)"): "Joined cannot be before 1900-01-01.",
    }, sorted(found.items())


def test_the_import_of_such_a_file_stores_nothing(register):
    vil = register["users"]["village"]
    before = _counts()
    plan = register_io.import_workbook(vil, bad_values_file())
    assert not plan.clean
    assert _counts() == before
    assert not Household.objects.filter(number__startswith="VAL-").exists()


def test_the_reasons_name_the_field_in_the_users_language(register):
    vil = register["users"]["village"]
    with translation.override("zh-hans"):
        plan = register_io.check_workbook(vil, bad_values_file())
    reasons = {(e.sheet, e.column[0]): e.reason for e in plan.errors if e.row in (2, 4)}
    assert "家庭年收入" in reasons[("户", "C")]
    assert "独生子女父母光荣证" in reasons[("户", "D")]
    assert "放弃二孩" in reasons[("户", "E")]


def test_good_values_import_with_invisible_characters_taken_out(register):
    vil = register["users"]["village"]
    good = workbook({
        "户": [H_HEAD, ["VAL-0004", V11, "10,000,000", date(1985, 6, 1), "1900-01-01"]],
        "成员": [M_HEAD, ["VAL-0004", "\u200b王\u3000五\u200d", _person(), "户主", "", ""]],
    })
    plan = register_io.import_workbook(vil, good)
    assert plan.clean, plan.errors
    household = Household.objects.get(number="VAL-0004")
    assert str(household.annual_income_yuan) == "10000000.00"
    assert household.second_birth_renounced_date == date(1900, 1, 1)
    assert Person.objects.get(id_number=_person()).name == "王 五"
