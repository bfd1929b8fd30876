"""The six programs of the district with their demo parameter values.

Installed by ``seed_demo`` and by the test fixtures. Values are data, dated
from the policy year they come from; change them in the admin, not here.
"""

from datetime import date

from django.db import transaction

from .models import PolicyParameter, Program

SINCE = date(2020, 1, 1)
DOC_DISTRICT = "金东区计划生育协会工作方案"
DOC_FUND = "区计划生育公益金管理暂行办法"

# Deadlines of the human steps, in working days, the same for every program unless
# its administrator changes them: a reminder one working day before, escalation to
# the level above three working days after (``workflows.deadlines``).
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
# parameters below. The decision letter states it.
APPEAL_PARAMETERS: dict[str, int] = {
    "appeal_days": 30,
}

# code: (name_zh, name_en, is_cash, {key: value})
PROGRAMS: dict[str, tuple[str, str, bool, dict]] = {
    "medical_discount": ("一免二优六减半医疗优惠", "Medical fee discount card", False, {
        "approval_level": "township", "public_notice_days": 0, "card_validity_years": 3,
        "benefit_yuan": 0, "retention_years": 5,
    }),
    "pension_subsidy": ("养老保险补助", "Pension-insurance subsidy", True, {
        "approval_level": "district", "public_notice_days": 7, "min_age": 60,
        "benefit_yuan": 600, "card_validity_years": 1, "retention_years": 5,
    }),
    "health_check": ("年度全面体检", "Annual health check", False, {
        "approval_level": "village", "public_notice_days": 0, "checks_per_year": 1,
        "benefit_yuan": 0, "card_validity_years": 1, "retention_years": 5,
    }),
    "welfare_grant": ("计划生育公益金救助", "Welfare-fund grant", True, {
        "approval_level": "district", "public_notice_days": 7,
        "income_per_head_limit_yuan": 12000, "max_grant_yuan": 3000,
        "max_grant_special_yuan": 5000, "annual_budget_yuan": 300000,
        "benefit_yuan": 3000, "card_validity_years": 1, "retention_years": 5,
    }),
    "assistance_pairing": ("会员联系户帮扶结对", "Assistance pairing", False, {
        "approval_level": "township", "public_notice_days": 0, "benefit_yuan": 0,
        "card_validity_years": 1, "retention_years": 5,
    }),
    "income_project": ("少生快富项目扶持", "Income project support", False, {
        "approval_level": "township", "public_notice_days": 0, "card_validity_years": 1,
        "benefit_yuan": 0, "income_per_head_limit_yuan": 20000, "min_age": 18,
        "max_age": 60, "retention_years": 5,
    }),
}


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
                defaults={"value": value,
                          "source_document": DOC_FUND if code == "welfare_grant"
                          else DOC_DISTRICT},
            )
    return programs
