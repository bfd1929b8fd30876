"""Two-factor authentication (TOTP, django-otp) for staff.

Who: the roles in ``settings.OTP_REQUIRED_ROLES`` (district approvers, auditors,
administrators) and anyone who may open the Django admin (``is_staff``,
``is_superuser``) must use it; other staff may set it up, and once they have, they are
asked for it too; families never are.

How: the password login is Django's own (``/accounts/login/``, guarded by django-axes).
After it, ``TwoFactorMiddleware`` lets such a user reach nothing but the second step:
``/accounts/two-factor/`` asks for the six-digit code of the user's authenticator app,
or, for a user who must use it and has no device yet, ``/accounts/two-factor/setup/``
shows a QR code (and the key, to type in) and confirms the first code. Only then is the
session verified (``django_otp.login``) and the page the user asked for opened. The API
answers such an unverified session 403; the token endpoint asks for an ``otp`` field
(``casework.api.auth``).

Wrong codes: django-otp makes each device wait longer after each wrong code (1, 2, 4, ...
seconds), and every wrong code counts as a failed login for django-axes, so five lock the
(username, address) pair out like five wrong passwords do, and end the session.
"""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .auth import API_PREFIX, lockout_response

DEVICE_NAME = "authenticator"
# always reachable by a logged-in user who still owes the second factor
OPEN_PREFIXES = ("/i18n/", "/healthz", "/readyz")
OPEN_URL_NAMES = ("logout", "two_factor_verify", "two_factor_enroll", "auth-token")


# --- who -------------------------------------------------------------------------


def requires_otp(user) -> bool:
    """Must this user pass a second factor? (Whether or not it has a device yet.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "role", None) in settings.OTP_REQUIRED_ROLES
                or user.is_superuser or user.is_staff)


def may_enroll(user) -> bool:
    """Staff may set up a device; families have no use for one."""
    return requires_otp(user) or bool(getattr(user, "is_staff_role", False))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def is_enrolled(user) -> bool:
    """Has the user a confirmed device? ``casework.auth.CaseworkBackend`` loads session
    users with the answer (``otp_enrolled``); anyone else costs a query."""
    enrolled = getattr(user, "otp_enrolled", None)
    if enrolled is None:
        enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return bool(enrolled)


def must_verify(user) -> bool:
    return requires_otp(user) or (may_enroll(user) and is_enrolled(user))


# --- the gate --------------------------------------------------------------------


def _open_paths() -> set[str]:
    paths = {resolve_url(settings.LOGIN_URL)}
    for name in OPEN_URL_NAMES:
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            pass
    return paths


def _is_open(path: str) -> bool:
    static = settings.STATIC_URL or ""
    if static and "://" not in static:
        static = "/" + static.lstrip("/")
    prefixes = OPEN_PREFIXES + ((static,) if static else ())
    return path.startswith(prefixes) or path in _open_paths()


class TwoFactorMiddleware:
    """After ``OTPMiddleware``: a logged-in user who owes the second factor reaches only
    the second step, the login and logout pages, the language switch and static files.
    Pages redirect there (coming back afterwards); the API answers 403. Token requests
    carry no session: their token was issued after the code (``casework.api.auth``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_open(request.path_info):
            user = getattr(request, "user", None)
            if (user is not None and user.is_authenticated and must_verify(user)
                    and not user.is_verified()):
                return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def refuse(request):
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse({"detail": gettext(
                "Two-factor authentication is required: enter the code from your "
                "authenticator app on the login page first."),
                "code": "two_factor_required"}, status=403)
        target = request.get_full_path() if request.method in ("GET", "HEAD") else "/"
        return HttpResponseRedirect(_with_next(reverse("two_factor_verify"), target))


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _next(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# --- the second step -------------------------------------------------------------


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Six-digit code"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autocapitalize": "none", "spellcheck": "false"}))

    def clean_otp_token(self) -> str:
        code = "".join(self.cleaned_data["otp_token"].split())
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the digits your authenticator app shows."))
        return code


def _complete(request, device) -> None:
    """The session is verified from now on (and gets a new key)."""
    otp_login(request, device)
    request.session.cycle_key()


def _wrong_code(request, form) -> bool:
    """Count a wrong code as a failed login (django-axes); True when that locked the
    user out. The form says why the code was refused."""
    user_login_failed.send(sender=__name__, request=request,
                           credentials={"username": request.user.get_username()})
    if getattr(request, "axes_locked_out", False):
        return True
    form.add_error("otp_token", _("That code is not correct, or it has expired. Enter the "
                                  "code your app shows now."))
    return False


def _throttled(device, form) -> bool:
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        form.add_error("otp_token", _("Too many wrong codes. Please wait a minute, then "
                                      "enter the code your app shows."))
    return not allowed


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """Ask for the code of the user's device."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    next_url = _next(request)
    if user.is_verified():
        return HttpResponseRedirect(next_url)
    device = confirmed_device(user) if may_enroll(user) else None
    if device is None:
        if requires_otp(user):
            return HttpResponseRedirect(_with_next(reverse("two_factor_enroll"), next_url))
        return HttpResponseRedirect(next_url)  # nothing to verify
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and not _throttled(device, form):
        if device.verify_token(form.cleaned_data["otp_token"]):
            _complete(request, device)
            return HttpResponseRedirect(next_url)
        if _wrong_code(request, form):
            logout(request)
            return lockout_response(request)
    return render(request, "twofactor/verify.html", {"form": form, "next": next_url})


def _pending_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def qr_svg(data: str, size: int = 240) -> str:
    """``data`` as a QR code, SVG markup (qrcode's path image: no Pillow needed)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    root = image.get_image()
    root.set("width", str(size))
    root.set("height", str(size))
    root.set("role", "img")
    root.set("aria-label", gettext("QR code for your authenticator app"))
    return image.to_string(encoding="unicode")


def _grouped(key: bytes) -> str:
    secret = b32encode(key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
@require_http_methods(["GET", "POST"])
def enroll(request):
    """Set up an authenticator app: scan the code (or type the key), enter the first code.
    A user who already has a device must verify with it instead (a new device cannot be
    added with the password alone); an administrator removes a lost one in the admin."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not may_enroll(user):
        raise Http404
    next_url = _next(request)
    if confirmed_device(user) is not None:
        if not user.is_verified():
            return HttpResponseRedirect(_with_next(reverse("two_factor_verify"), next_url))
        return render(request, "twofactor/enrolled.html", {"next": next_url})
    device = _pending_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and not _throttled(device, form):
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            _complete(request, device)
            messages.success(request, gettext("Two-factor authentication is set up."))
            return HttpResponseRedirect(next_url)
        form.add_error("otp_token", _("That code is not correct, or it has expired. Check "
                                      "that the phone's clock is right, then enter the code "
                                      "your app shows now."))
    uri = device.config_url
    return render(request, "twofactor/enroll.html", {
        "form": form, "next": next_url, "otpauth_uri": uri,
        "qr_svg": mark_safe(qr_svg(uri)),  # generated here from our own data: path markup
        "secret": _grouped(device.bin_key), "required": requires_otp(user),
    })


# --- the API's token: who must give a code, and whether it holds ------------------------

#: why a token is refused for the second factor: (field code, message)
OTP_SETUP_REQUIRED = ("otp_setup_required", _(
    "This account must use two-factor authentication: log in on the web pages once to set "
    "it up, then ask for a token with the code."))
OTP_REQUIRED = ("otp_required", _("Enter the six-digit code of your authenticator app."))
OTP_INVALID = ("otp_invalid", _("That code is not correct, or it has expired."))


def token_second_factor(user, code: str) -> tuple[str, object] | None:
    """Whether ``user`` (password already checked) may have an API token with ``code``:
    None if so (no second factor needed, or the code holds), else why not, as
    (``OTP_SETUP_REQUIRED`` | ``OTP_REQUIRED`` | ``OTP_INVALID``). A role that must use a
    second factor and has no device is told to enrol on the web pages first; an enrolled
    account of any role must give its code."""
    device = confirmed_device(user) if may_enroll(user) else None
    if device is None and not requires_otp(user):
        return None
    if device is None:
        return OTP_SETUP_REQUIRED
    code = "".join((code or "").split())
    if not code:
        return OTP_REQUIRED
    return None if device.verify_token(code) else OTP_INVALID
