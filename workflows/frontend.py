"""Staff UI: viewflow's Material frontend, scoped to the user's area (to be built)."""

from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [path("", RedirectView.as_view(url="/api/docs/"), name="staff-home")]
