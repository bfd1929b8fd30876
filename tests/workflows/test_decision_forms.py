"""The three human steps' forms share one shape (``workflows.forms.ReasonedDecisionForm``):
the choice first, then the reason, which the outcomes that need one require, named."""

import pytest
from django.utils import translation

from workflows.appeals.views import AppealReviewForm
from workflows.applications.forms import DecisionForm
from workflows.recertification.views import RecertificationReviewForm

CASES = [  # form, choice field, an outcome needing a reason, one that does not, message
    (DecisionForm, "decision", "reject", "approve",
     "A reason is required to reject or return a case."),
    (DecisionForm, "decision", "return", "approve",
     "A reason is required to reject or return a case."),
    (AppealReviewForm, "outcome", "dismiss", "uphold",
     "A reason is required to dismiss an appeal."),
    (RecertificationReviewForm, "decision", "end", "continue",
     "A reason is required to end an entitlement."),
]


@pytest.mark.parametrize(("form", "choice", "needs", "free", "message"), CASES)
def test_the_reason_is_required_only_where_the_outcome_needs_it(form, choice, needs, free,
                                                                message):
    assert list(form().fields) == [choice, "reason"]
    with translation.override("en"):
        missing = form(data={choice: needs, "reason": "  "})
        assert not missing.is_valid()
        assert missing.errors == {"reason": [message]}
    assert form(data={choice: needs, "reason": "材料不全"}).is_valid()
    assert form(data={choice: free}).is_valid()
    with translation.override("zh-hans"):
        zh = form(data={choice: needs})
        assert not zh.is_valid() and zh.errors["reason"][0] != message
