"""Organisation: the REST API's URLs (included under /api/v1/, namespace ``api``; names
prefixed ``organisation-``)."""

from django.urls import path

from . import api

urlpatterns = [
    path("org-units/", api.OrgUnitList.as_view(), name="organisation-org-units"),
    path("org-units/<int:pk>/", api.OrgUnitDetail.as_view(), name="organisation-org-unit"),
    path("org-units/<int:pk>/end/", api.OrgUnitEnd.as_view(), name="organisation-org-unit-end"),
    path("org-units/<int:pk>/office-holders/", api.OrgUnitOfficeHolders.as_view(),
         name="organisation-office-holders"),
    path("office-holders/<int:pk>/end/", api.OfficeHolderEnd.as_view(),
         name="organisation-office-holder-end"),
    path("training-sessions/", api.TrainingSessionList.as_view(),
         name="organisation-training-sessions"),
    path("training-sessions/<int:pk>/", api.TrainingSessionDetail.as_view(),
         name="organisation-training-session"),
    path("training-sessions/<int:pk>/attendance/", api.TrainingAttendanceView.as_view(),
         name="organisation-training-attendance"),
    path("activity-days/", api.ActivityDayList.as_view(), name="organisation-activity-days"),
    path("assessment-criteria/", api.AssessmentCriterionList.as_view(),
         name="organisation-assessment-criteria"),
    path("assessments/", api.AssessmentList.as_view(), name="organisation-assessments"),
]
