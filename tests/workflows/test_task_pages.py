"""A flow names its task pages; the features register them once the apps are ready."""

import pytest
from django.test import RequestFactory
from django.views.generic import View

from workflows import task_pages
from workflows.appeals import flow as appeals
from workflows.appeals import views as appeal_views
from workflows.applications import flow as flows
from workflows.applications import views
from workflows.recertification import flow as recertification
from workflows.recertification import views as recertification_views


@pytest.mark.parametrize("name, page", [
    (flows.DECISION_PAGE, views.DecisionView),
    (flows.REVISION_PAGE, views.RevisionView),
    (appeals.REVIEW_PAGE, appeal_views.AppealReviewView),
    (recertification.REVIEW_PAGE, recertification_views.RecertificationReviewView),
])
def test_every_page_a_flow_names_is_registered(name, page):
    assert task_pages._PAGES[name].view_class is page


def test_each_flow_node_serves_its_registered_page():
    nodes = {
        flows.BenefitApplicationFlow.village_review: views.DecisionView,
        flows.BenefitApplicationFlow.family_revision: views.RevisionView,
        appeals.AppealFlow.appeal_review: appeal_views.AppealReviewView,
        recertification.RecertificationFlow.recertification_review:
            recertification_views.RecertificationReviewView,
    }
    for node, page in nodes.items():
        served = node._view
        name = next(key for key, view in task_pages._PAGES.items() if view.view_class is page)
        assert served.__name__ == f"task_page_{name.replace('.', '_')}"


def test_an_unregistered_page_fails_loudly():
    view = task_pages.page("nowhere.nothing")
    with pytest.raises(LookupError, match="nowhere.nothing"):
        view(RequestFactory().get("/"))


def test_a_page_is_registered_once():
    with pytest.raises(ValueError, match="twice"):
        task_pages.register(flows.DECISION_PAGE, View)
