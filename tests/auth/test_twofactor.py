"""Two-factor authentication (TOTP): required for district approvers, auditors and
administrators before any page, asked of every staff member who set it up, never of
families; the API's token endpoint wants the code of such accounts."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from tests import factories as f

from .conftest import ENROLL, PASSWORD, TOKEN, VERIFY, password_login
from .support import code_for, give_device, otp_fields, plain_force_login, verified_force_login

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/workflow/benefitapplication/queue/"


def wrong_code(device) -> str:
    right = code_for(device)
    return f"{(int(right) + 1) % 10 ** device.digits:0{device.digits}d}"


def verify_url(next_url):
    return f"{VERIFY}?next={next_url.replace('/', '%2F')}"


@pytest.fixture
def district(staff):
    return staff["district"]


# --- the pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["district", "auditor"])
def test_a_required_role_without_device_is_sent_to_set_one_up(client, staff, role):
    user = staff[role]
    assert password_login(client, user).status_code == 302
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert response["Location"] == verify_url(STAFF_PAGE)
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(ENROLL)
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and "otpauth://totp/" in text
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    # nothing else opens meanwhile: pages, the family pages, the admin, the API
    for other in ("/", "/family/", "/admin/", "/documents/1/", STAFF_PAGE):
        assert client.get(other).status_code == 302, other
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 403 and refused.json()["code"] == "two_factor_required"


def test_setting_up_confirms_the_device_with_its_first_code(client, district):
    password_login(client, district)
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=district)
    response = client.post(ENROLL, {"otp_token": wrong_code(device), "next": STAFF_PAGE})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # no waiting
    response = client.post(ENROLL, {"otp_token": code_for(device), "next": STAFF_PAGE})
    assert response.status_code == 302 and response["Location"] == STAFF_PAGE
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(STAFF_PAGE).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200  # the session works for the API too


def test_the_setup_page_shows_the_same_key_until_confirmed(client, district):
    password_login(client, district)
    secrets = {re.search(r'class="secret">([A-Z2-7 ]+)<', client.get(ENROLL).content.decode())
               .group(1) for _ in range(2)}
    assert len(secrets) == 1
    assert TOTPDevice.objects.filter(user=district).count() == 1


def test_with_a_device_the_code_is_asked_after_the_password(client, district):
    device = give_device(district)
    password_login(client, district)
    response = client.get(STAFF_PAGE)
    assert response["Location"] == verify_url(STAFF_PAGE)
    assert client.get(VERIFY).status_code == 200
    refused = client.post(VERIFY, {"otp_token": wrong_code(device), "next": STAFF_PAGE})
    assert refused.status_code == 200
    assert "has-error" in refused.content.decode()
    assert client.get(STAFF_PAGE).status_code == 302  # still not verified
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    accepted = client.post(VERIFY, {"otp_token": code_for(device), "next": STAFF_PAGE})
    assert accepted.status_code == 302 and accepted["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200


def test_a_code_is_accepted_once(client, district):
    device = give_device(district)
    password_login(client, district)
    code = code_for(device)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    client.logout()
    password_login(client, district)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 200  # replayed


def test_wrong_codes_make_the_device_wait(client, district):
    device = give_device(district)
    password_login(client, district)
    client.post(VERIFY, {"otp_token": wrong_code(device)})
    # straight after a wrong code even the right one is refused: the device waits
    response = client.post(VERIFY, {"otp_token": code_for(device)})
    assert response.status_code == 200
    assert client.get(STAFF_PAGE).status_code == 302


def test_five_wrong_codes_lock_out_and_end_the_session(client, district):
    device = give_device(district)
    password_login(client, district, address="10.0.0.66")
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        response = client.post(VERIFY, {"otp_token": wrong_code(device)},
                               REMOTE_ADDR="10.0.0.66")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert password_login(client, district, address="10.0.0.66").status_code == 429


def test_a_new_device_cannot_replace_one_with_the_password_alone(client, district):
    give_device(district)
    password_login(client, district)
    response = client.get(ENROLL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=district).count() == 1


def test_the_next_parameter_stays_on_this_site(client, district):
    device = give_device(district)
    password_login(client, district)
    response = client.post(VERIFY, {"otp_token": code_for(device),
                                    "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_families_are_never_asked(client, family_home):
    assert password_login(client, family_home["user"]).status_code == 302
    assert client.get("/family/").status_code == 200
    assert client.get(ENROLL).status_code == 404


def test_other_staff_may_set_it_up_and_are_asked_from_then_on(client, staff):
    reviewer = staff["village"]
    password_login(client, reviewer)
    assert client.get(STAFF_PAGE).status_code == 200  # not required
    client.get(ENROLL)
    device = TOTPDevice.objects.get(user=reviewer)
    assert client.post(ENROLL, {"otp_token": code_for(device)}).status_code == 302
    client.logout()
    password_login(client, reviewer)
    assert client.get(STAFF_PAGE)["Location"] == verify_url(STAFF_PAGE)


def test_superusers_need_it_whatever_their_role(client, areas):
    root = f.user("family", None)
    root.is_superuser = root.is_staff = True
    root.save()
    password_login(client, root)
    assert client.get("/admin/").status_code == 302


def test_the_pages_speak_the_users_language(client, district):
    password_login(client, district)
    assert "设置两步验证" in client.get(ENROLL).content.decode()
    client.cookies["django_language"] = "en"
    assert "Set up two-factor authentication" in client.get(ENROLL).content.decode()


def test_the_test_helper_verifies_force_login_sessions(client, district, monkeypatch):
    """What the suite's conftest does for every test (tests/auth/support.py)."""
    plain_force_login(client, district)
    assert client.get(STAFF_PAGE).status_code == 302
    verified_force_login(monkeypatch)
    client.force_login(district)
    assert client.get(STAFF_PAGE).status_code == 200


# --- the token endpoint ----------------------------------------------------------------------

def ask(user, **extra):
    return APIClient().post(TOKEN, {"username": user.username, "password": PASSWORD, **extra},
                            format="json")


@pytest.mark.parametrize("role", ["district", "auditor"])
def test_the_token_endpoint_needs_the_code_of_required_roles(staff, role):
    user = staff[role]
    response = ask(user)
    assert response.status_code == 400
    assert "otp" in response.json() and "token" not in response.json()
    device = give_device(user)
    response = ask(user)
    assert response.status_code == 400 and "otp" in response.json()
    response = ask(user, otp=wrong_code(device))
    assert response.status_code == 400 and "otp" in response.json()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = ask(user, otp=code_for(device))
    assert response.status_code == 200 and response.json()["token"]


def test_wrong_codes_at_the_token_endpoint_count_towards_the_lockout(staff):
    auditor = staff["auditor"]
    device = give_device(auditor)
    codes = []
    for _ in range(5):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        codes.append(ask(auditor, otp=wrong_code(device)).status_code)
    assert codes == [400, 400, 400, 400, 429]
    assert ask(auditor, otp=code_for(device)).status_code == 429


def test_other_accounts_need_no_code(staff, family_home):
    assert ask(staff["village"]).status_code == 200
    assert ask(family_home["user"]).status_code == 200


def test_the_test_helper_gives_the_code(staff):
    auditor = staff["auditor"]
    for _ in range(2):  # twice in the same 30 seconds
        assert ask(auditor, **otp_fields(auditor)).status_code == 200
    assert otp_fields(staff["village"]) == {}
