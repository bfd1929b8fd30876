from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Workflows")

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the calendar check)
            notify,
            retention,
            tasks,
        )
        from .appeals import flow as appeals

        retention.register()
        # notify imports no feature and not the tasks module (which imports notify): what
        # it needs of them is plugged in here
        notify.register_relay(tasks.relay_outbox)
        notify.register_recipients(appeals.APPEAL_STEP, appeals.appeal_reviewers)
