"""Dues collection campaigns: the staff pages; the member roster mounts them
(``workflows.register.urls``: /workflow/register/dues-campaigns/...)."""

from django.urls import path

from . import views

urlpatterns = [
    path("dues-campaigns/", views.campaign_list, name="duescampaigns-list"),
    path("dues-campaigns/new/", views.campaign_new, name="duescampaigns-new"),
    path("dues-campaigns/<int:pk>/", views.campaign_edit, name="duescampaigns-edit"),
    path("dues-campaigns/rates/", views.rates, name="duescampaigns-rates"),
]
