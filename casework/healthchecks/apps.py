from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthchecksConfig(AppConfig):
    name = "casework.healthchecks"
    label = "healthchecks"
    verbose_name = _("Health checks")
