"""The six programs of the district with their parameter values, and where each comes from.

Installed by ``seed_demo`` and by the test fixtures. Values are data, dated from the policy
year they come from; change them in the admin, not here.

Sources. The association's own record is its annual report (the seed document,
``REPORT``): where it states a value, the parameter carries the report and its line. It
states few: the medical card's items (一免二优六减半, lines 146-149), one full health check a
year for every member (line 150), the couple as the pension subsidy's unit (line 155, in
``units.py``). Everything else (ages, amounts, income limits, validity periods, approval
levels, notice and deadline days, retention) is **assumed, set locally**: the report names
the welfare fund's rules (《区计划生育公益金管理暂行办法》, line 153) but quotes none of their
figures, so no value here claims them as its source. An administrator who confirms a value
against a real document records that document in the admin.
"""

from datetime import date

from django.db import transaction

from .models import PolicyParameter, Program

SINCE = date(2020, 1, 1)
#: the association's annual report, the one document whose text the service has
REPORT = "《区计划生育协会201X工作报告》"
SEED_FILE = "seed 000_7c30ed9f65bb5294.txt"


def lines(where: str) -> str:
    """A location in the report: "seed 000_….txt, lines 146-149"."""
    return f"{SEED_FILE}, {'lines' if '-' in where else 'line'} {where}"


# Deadlines of the human steps, in working days, the same for every program unless
# its administrator changes them: a reminder one working day before, escalation to
# the level above three working days after (``workflows.deadlines.services``). Assumed.
SLA_PARAMETERS: dict[str, int] = {
    "sla_village_review_days": 5,
    "sla_objection_review_days": 5,
    "sla_township_review_days": 5,
    "sla_district_review_days": 10,
    "sla_family_revision_days": 10,
    "sla_appeal_review_days": 10,
    "sla_reminder_days_before": 1,
    "sla_escalation_grace_days": 3,
}

# Appeals (``workflows.appeals``): a family may appeal a rejection within this many
# calendar days of it (the last day included); a program may set its own value in its
# parameters below. The decision letter states it. Assumed.
APPEAL_PARAMETERS: dict[str, int] = {
    "appeal_days": 30,
}

# What the medical discount card gives (一免二优六减半, the report's lines 146-149), printed
# on the card and shown to the family: one item per line of the card.
MEDICAL_CARD_BENEFITS: list[dict] = [
    {"code": "registration_fee_waived", "group": "一免", "group_en": "Fee waived",
     "percent_off": 100, "zh": "免收普通挂号费", "en": "Ordinary registration fee waived"},
    {"code": "priority_registration", "group": "二优", "group_en": "Priority", "percent_off": 0,
     "zh": "优先挂号", "en": "Priority registration"},
    {"code": "inpatient_bed_fee", "group": "二优", "group_en": "Priority", "percent_off": 20,
     "zh": "住院床位费优惠20%", "en": "20% off the in-patient bed fee"},
    {"code": "ecg", "group": "六减半", "group_en": "Half price", "percent_off": 50,
     "zh": "心电图检查费减半", "en": "ECG at half price"},
    {"code": "b_ultrasound", "group": "六减半", "group_en": "Half price", "percent_off": 50,
     "zh": "B超检查费减半", "en": "B-mode ultrasound at half price"},
    {"code": "blood_test", "group": "六减半", "group_en": "Half price", "percent_off": 50,
     "zh": "血常规检查费减半", "en": "Blood test at half price"},
    {"code": "urine_test", "group": "六减半", "group_en": "Half price", "percent_off": 50,
     "zh": "尿常规检查费减半", "en": "Urine test at half price"},
    {"code": "stool_test", "group": "六减半", "group_en": "Half price", "percent_off": 50,
     "zh": "便常规检查费减半", "en": "Stool test at half price"},
    {"code": "xray_fluoroscopy", "group": "六减半", "group_en": "Half price", "percent_off": 50,
     "zh": "X光透视检查费减半", "en": "X-ray fluoroscopy at half price"},
]

# How long a grant runs and how it goes on (``workflows.entitlements``):
# ``validity_period`` "calendar_year" (to 31 December of the grant's year) or "years"
# (``card_validity_years`` years from the grant); ``renewal`` "recertification" (the
# year's re-check renews it when its period ends, or opens a village review) or
# "application" (the family applies again once the period has ended);
# ``renewal_grace_days``: how long a renewable grant stays live after its period, waiting
# for the year's re-check to renew it, before it lapses.

# code: (name_zh, name_en, is_cash, {key: value})
PROGRAMS: dict[str, tuple[str, str, bool, dict]] = {
    "medical_discount": ("一免二优六减半医疗优惠", "Medical fee discount card", False, {
        "approval_level": "township", "public_notice_days": 0, "card_validity_years": 3,
        "validity_period": "years", "renewal": "recertification", "renewal_grace_days": 90,
        "card_benefits": MEDICAL_CARD_BENEFITS,
        "benefit_yuan": 0, "retention_years": 5,
    }),
    "pension_subsidy": ("养老保险补助", "Pension-insurance subsidy", True, {
        "approval_level": "district", "public_notice_days": 7, "min_age": 60,
        "benefit_yuan": 600, "card_validity_years": 1, "validity_period": "calendar_year",
        "renewal": "recertification", "renewal_grace_days": 90, "retention_years": 5,
    }),
    "health_check": ("年度全面体检", "Annual health check", False, {
        "approval_level": "village", "public_notice_days": 0, "checks_per_year": 1,
        "benefit_yuan": 0, "card_validity_years": 1, "validity_period": "calendar_year",
        "renewal": "application", "retention_years": 5,
    }),
    "welfare_grant": ("计划生育公益金救助", "Welfare-fund grant", True, {
        "approval_level": "district", "public_notice_days": 7,
        "income_per_head_limit_yuan": 12000, "benefit_yuan": 3000,
        "benefit_special_yuan": 5000, "annual_budget_yuan": 300000, "card_validity_years": 1,
        "validity_period": "calendar_year",
        "renewal": "application", "retention_years": 5,
    }),
    "assistance_pairing": ("会员联系户帮扶结对", "Assistance pairing", False, {
        "approval_level": "township", "public_notice_days": 0, "benefit_yuan": 0,
        "card_validity_years": 1, "validity_period": "years", "renewal": "recertification",
        "renewal_grace_days": 90, "retention_years": 5,
    }),
    "income_project": ("少生快富项目扶持", "Income project support", False, {
        "approval_level": "township", "public_notice_days": 0, "card_validity_years": 1,
        "validity_period": "years", "renewal": "recertification", "renewal_grace_days": 90,
        "benefit_yuan": 0, "income_per_head_limit_yuan": 20000, "min_age": 18,
        "max_age": 60, "retention_years": 5,
    }),
}

#: (program, key) -> where in the report the value is stated; every other value is
#: assumed, set locally
STATED: dict[tuple[str, str], str] = {
    ("medical_discount", "card_benefits"): "146-149",
    ("health_check", "checks_per_year"): "150",
    ("health_check", "validity_period"): "150",  # 每年...一次: a check each year
    # not ("health_check", "renewal"): line 150 says a check each year, not that the
    # family applies for it again (eligibility 0005)
}


def source_of(code: str, key: str) -> dict:
    """The source columns of one default value: the report and its line(s), or assumed."""
    where = STATED.get((code, key))
    if where is None:
        return {"source_document": "", "source_location": "", "assumed": True}
    return {"source_document": REPORT, "source_location": lines(where), "assumed": False}


@transaction.atomic
def install_programs() -> dict[str, Program]:
    """Create the programs and their parameters if missing; idempotent."""
    programs = {}
    for code, (zh, en, is_cash, params) in PROGRAMS.items():
        program, _ = Program.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "is_cash": is_cash})
        programs[code] = program
        for key, value in {**SLA_PARAMETERS, **APPEAL_PARAMETERS, **params}.items():
            PolicyParameter.objects.get_or_create(
                program=program, key=key, effective_from=SINCE,
                defaults={"value": value, **source_of(code, key)},
            )
    return programs
