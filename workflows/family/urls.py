from django.urls import path
from django.views.generic import RedirectView

app_name = "family"
urlpatterns = [path("", RedirectView.as_view(url="/api/docs/"), name="home")]
