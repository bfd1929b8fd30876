from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import (
            checks,  # noqa: F401  (registers the database role check)
            pg_timestamps,
        )

        connection_created.connect(pg_timestamps.install,
                                   dispatch_uid="casework.pg_timestamps")
