"""Family-facing, phone-friendly pages (included at /family/)."""

from django.urls import include, path

from . import views

app_name = "family"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<int:case_id>/resubmit/", views.resubmit, name="resubmit"),
    path("cases/<int:case_id>/documents/", views.upload_document, name="upload"),
    path("cases/<int:case_id>/appeal/", views.appeal, name="appeal"),
    path("messages/", views.messages_list, name="messages"),
    path("messages/read-all/", views.messages_read_all, name="messages_read_all"),
    # the association's own year, as it concerns the family
    path("", include("workflows.healthchecks.family_urls")),
    path("", include("workflows.contacts.family_urls")),
    path("", include("workflows.pairings.family_urls")),
    path("", include("workflows.projects.family_urls")),
]
