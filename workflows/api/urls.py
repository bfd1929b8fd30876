from django.urls import include, path

from . import messages, tasks, views

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("programs/", views.ProgramList.as_view(), name="programs"),
    path("programs/<slug:code>/parameters/", views.ProgramParameters.as_view(),
         name="program-parameters"),
    path("households/", views.HouseholdList.as_view(), name="households"),
    path("households/<int:pk>/", views.HouseholdDetail.as_view(), name="household"),
    path("cases/", views.CaseList.as_view(), name="cases"),
    path("cases/<int:pk>/", views.CaseDetail.as_view(), name="case"),
    path("cases/<int:pk>/history/", views.CaseHistory.as_view(), name="case-history"),
    path("cases/<int:pk>/verify/", views.CaseVerify.as_view(), name="case-verify"),
    path("cases/<int:pk>/withdraw/", views.CaseWithdraw.as_view(), name="case-withdraw"),
    path("cases/<int:pk>/resubmit/", views.CaseResubmit.as_view(), name="case-resubmit"),
    path("cases/<int:pk>/objections/", views.CaseObjections.as_view(), name="case-objections"),
    path("cases/<int:pk>/documents/", views.CaseDocuments.as_view(), name="case-documents"),
    path("cases/<int:pk>/appeals/", views.CaseAppeals.as_view(), name="case-appeals"),
    path("cases/<int:pk>/messages/", messages.CaseMessages.as_view(), name="case-messages"),
    path("messages/", messages.MessageList.as_view(), name="messages"),
    path("messages/unread-count/", messages.UnreadCount.as_view(), name="messages-unread-count"),
    path("messages/read-all/", messages.MessageReadAll.as_view(), name="messages-read-all"),
    path("messages/<int:pk>/read/", messages.MessageRead.as_view(), name="message-read"),
    path("tasks/", views.TaskList.as_view(), name="tasks"),
    path("tasks/approve/", tasks.TaskBulkApprove.as_view(), name="task-bulk-approve"),
    path("tasks/<int:pk>/decision/", views.TaskDecision.as_view(), name="task-decision"),
    path("tasks/<int:pk>/recertification/", views.TaskRecertification.as_view(),
         name="task-recertification"),
    path("tasks/<int:pk>/appeal/", views.TaskAppeal.as_view(), name="task-appeal"),
    # the association's own year: each package's endpoints
    path("", include("workflows.statistics.api_urls")),
    path("", include("workflows.healthchecks.api_urls")),
    path("", include("workflows.contacts.api_urls")),
    path("", include("workflows.pairings.api_urls")),
    path("", include("workflows.projects.api_urls")),
    path("", include("workflows.organisation.api_urls")),
    path("", include("workflows.fund.api_urls")),
    path("", include("workflows.duescampaigns.api_urls")),
]
