"""The model-association (示范协会) assessment's criteria and ratings, as the seed states
them and as they are set locally.

The seed (``../shared/seed/000_7c30ed9f65bb5294.txt``) names four criteria (lines 53-54)
and adds dues collection from the next year on (line 187). It states no scores and no
rating thresholds: the maximum scores below and ``RATING_THRESHOLDS`` are assumed, set
locally (the setting ``ORGANISATION_RATING_THRESHOLDS`` overrides the thresholds). The
report's year is printed as "201X"; the dates below are set locally too: the four
criteria from 2020, dues from 2024, the first year the association collects dues in this
service (``casework.register.dues.DEFAULT_DUES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

SEED = "seed 000_7c30ed9f65bb5294.txt"
ASSUMED = "maximum score assumed, set locally"


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    position: int
    text_zh: str
    text_en: str
    max_score: int
    effective_from: date
    source: str


DEFAULT_CRITERIA: tuple[CriterionSpec, ...] = (
    CriterionSpec("council", 1, "有一个精干、高效、议事能力强的理事班子",
                  "A capable, efficient council able to deliberate", 25, date(2020, 1, 1),
                  f"{SEED}, lines 53-54; {ASSUMED}; effective date set locally"),
    CriterionSpec("venue", 2, "有一个富有生气的会员活动阵地",
                  "A lively place for members' activities", 25, date(2020, 1, 1),
                  f"{SEED}, lines 53-54; {ASSUMED}; effective date set locally"),
    CriterionSpec("volunteers", 3, "有一个热心服务群众的志愿者队伍",
                  "A team of volunteers keen to serve the people", 25, date(2020, 1, 1),
                  f"{SEED}, lines 53-54; {ASSUMED}; effective date set locally"),
    CriterionSpec("project", 4, "有一个“少生快富”项目",
                  "A 'fewer births, faster prosperity' (少生快富) project", 25,
                  date(2020, 1, 1),
                  f"{SEED}, lines 53-54; {ASSUMED}; effective date set locally"),
    CriterionSpec("dues", 5, "抓好会费的收缴工作",
                  "Membership dues collected", 20, date(2024, 1, 1),
                  f"{SEED}, lines 186-187 (a criterion from the next year on); {ASSUMED}; "
                  "effective from 2024, the first dues year set locally"),
)

#: share of the maximum total a village needs for each rating (assumed, set locally)
RATING_THRESHOLDS = {"model": Decimal("0.90"), "advanced": Decimal("0.75")}


def thresholds() -> dict[str, Decimal]:
    """``RATING_THRESHOLDS``, or the setting ``ORGANISATION_RATING_THRESHOLDS``."""
    raw = getattr(settings, "ORGANISATION_RATING_THRESHOLDS", None) or RATING_THRESHOLDS
    return {key: Decimal(str(value)) for key, value in raw.items()}


def rating_for(total: int, max_total: int) -> str:
    """"model", "advanced" or "none" for ``total`` out of ``max_total``."""
    if max_total <= 0:
        return "none"
    share = Decimal(total) / Decimal(max_total)
    limits = thresholds()
    if share >= limits["model"]:
        return "model"
    if share >= limits["advanced"]:
        return "advanced"
    return "none"


def install_criteria(model=None) -> int:
    """Create the default criteria that are missing (by code and start date); idempotent.
    Returns how many it created. ``model`` is the historical model in a migration."""
    if model is None:
        from .models import AssessmentCriterion as model
    created = 0
    for spec in DEFAULT_CRITERIA:
        _row, made = model.objects.get_or_create(
            code=spec.code, effective_from=spec.effective_from,
            defaults={"position": spec.position, "text_zh": spec.text_zh,
                      "text_en": spec.text_en, "max_score": spec.max_score,
                      "source": spec.source})
        created += made
    return created
