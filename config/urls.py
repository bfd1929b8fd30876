"""Top-level URLs: staff UI (viewflow frontend), family pages, REST API, admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casework import twofactor
from casework.api.auth import TokenView
from config import health
from workflows.family.views import home_redirect

urlpatterns = [
    path("", home_redirect, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", twofactor.verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", twofactor.enroll, name="two_factor_enroll"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # the Swagger UI's own script as a file (?script), not inline: the CSP allows no
    # inline script without a nonce
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # the token endpoint with lockout, throttles and the two-factor code; listed before
    # the API's own URLs so that it answers auth/token/ (and the schema documents it)
    path("api/v1/auth/token/", TokenView.as_view(), name="auth-token"),
    path("api/v1/", include("workflows.api.urls")),
    path("family/", include("workflows.family.urls")),
    path("documents/", include("workflows.documents")),
    path("", include("workflows.printing.urls")),  # /print/... PDFs, /verify/<token>/ public
    path("workflow/", include("workflows.frontend")),
]
