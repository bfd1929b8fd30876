from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from . import retention, task_pages, tasks
        from .appeals import flow as appeals
        from .appeals import views as appeal_views
        from .applications import flow as applications
        from .applications import views as application_views
        from .deadlines import checks  # noqa: F401  (registers the calendar check)
        from .notifications import notify
        from .recertification import flow as recertification
        from .recertification import views as recertification_views

        retention.register()
        # the flows name their task pages; the pages (which call the flows' services) are
        # plugged in here (workflows.task_pages)
        task_pages.register(applications.DECISION_PAGE, application_views.DecisionView)
        task_pages.register(applications.REVISION_PAGE, application_views.RevisionView)
        task_pages.register(appeals.REVIEW_PAGE, appeal_views.AppealReviewView)
        task_pages.register(recertification.REVIEW_PAGE,
                            recertification_views.RecertificationReviewView)
        # notify imports no feature and not the tasks module (which imports notify): what
        # it needs of them is plugged in here
        notify.register_relay(tasks.relay_outbox)
        notify.register_recipients(appeals.APPEAL_STEP, appeals.appeal_reviewers)
