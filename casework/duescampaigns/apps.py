from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuescampaignsConfig(AppConfig):
    name = "casework.duescampaigns"
    label = "duescampaigns"
    verbose_name = _("Dues collection")
