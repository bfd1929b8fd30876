"""``config.urls`` plus the trivial view the API load bench compares against."""

from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def trivial(request):
    """What any Django JSON answer costs here: the middleware stack and a tiny body."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/trivial/", trivial), *project_urlpatterns]
