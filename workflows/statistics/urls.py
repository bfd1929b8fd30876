"""The statistics report's staff pages; the reports section mounts them
(``workflows.reports.views``: /workflow/reports/statistics/...)."""

from django.urls import path

from . import views

urlpatterns = [
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("statistics.pdf", views.statistics_pdf, name="statistics_pdf"),
]
