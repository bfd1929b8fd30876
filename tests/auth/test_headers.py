"""Security headers and the Content Security Policy on every kind of answer (a staff page,
a family page, the API), and the rendered pages checked against the policy: no inline
script without the response's nonce, no inline event handler, no javascript: link, every
script, stylesheet, image and form target on this site."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from tests import factories as f
from workflows.applications import services

from .conftest import ENROLL, LOGIN, PASSWORD, VERIFY, password_login
from .support import give_device, verify_session

pytestmark = pytest.mark.django_db

APP = "/workflow/benefitapplication/"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_security_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    scripts = policy["script-src"]
    assert "'self'" in scripts
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert all(s == "'self'" or s.startswith("'nonce-") for s in scripts), scripts


class PolicyChecker(HTMLParser):
    """What in a page the policy would block."""

    URL_ATTRIBUTES = ("src", "href", "action", "formaction", "data")

    def __init__(self, nonce: str | None):
        super().__init__(convert_charrefs=True)
        self.nonce = nonce
        self.problems: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>: inline event handler")
            if name in self.URL_ATTRIBUTES and value and value.strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>: javascript: URL")
        if tag == "script":
            src = attrs.get("src")
            kind = (attrs.get("type") or "text/javascript").lower()
            if src:
                self._same_site(tag, src)
            elif kind in ("text/javascript", "module", "application/javascript"):
                self.inline_scripts += 1
                if not self.nonce or attrs.get("nonce") != self.nonce:
                    self.problems.append("inline <script> without the response's nonce")
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self._same_site(tag, attrs.get("href") or "")
        elif tag == "img" and not (attrs.get("src") or "").startswith("data:"):
            self._same_site(tag, attrs.get("src") or "")
        elif tag == "form" and attrs.get("action"):
            self._same_site(tag, attrs["action"])
        elif tag in ("iframe", "frame", "object", "embed"):
            self.problems.append(f"<{tag}>")

    def _same_site(self, tag, url):
        if re.match(r"^([a-z][a-z0-9+.-]*:|//)", url.strip(), re.I):
            self.problems.append(f"<{tag}> loads {url} from another site")


def assert_page_keeps_the_policy(response):
    assert response.status_code in (200, 429), response.status_code
    assert_security_headers(response)
    scripts = directives(response)["script-src"]
    nonce = next((s[len("'nonce-"):-1] for s in scripts if s.startswith("'nonce-")), None)
    checker = PolicyChecker(nonce)
    checker.feed(response.content.decode())
    assert not checker.problems, (response.wsgi_request.path, checker.problems)
    return checker


@pytest.fixture
def case(programs, family_home, staff):
    case = services.submit_application(actor=family_home["user"],
                                       household=family_home["household"],
                                       program=programs["medical_discount"],
                                       applicant=family_home["applicant"])
    return case


def test_headers_on_a_staff_page(client, staff, case):
    client.force_login(staff["village"])
    response = client.get(APP + "queue/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_headers_on_a_family_page(client, family_home):
    client.force_login(family_home["user"])
    response = client.get("/family/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_headers_on_an_api_answer(areas):
    user = f.user("village_reviewer", areas["v11"])
    token = APIClient().post("/api/v1/auth/token/", {"username": user.username,
                                                     "password": PASSWORD}, format="json")
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert_security_headers(response)
    assert_security_headers(APIClient().get("/api/v1/me/"))  # a refusal too


def test_cookies_are_http_only_and_same_site_lax(client, areas):
    user = f.user("village_reviewer", areas["v11"])
    client.get(LOGIN)  # sets the CSRF cookie
    response = password_login(client, user)
    assert response.status_code == 302
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_staff_pages_keep_the_policy(client, staff, case):
    reviewer = staff["village"]
    client.force_login(reviewer)
    task = Task.objects.get(process_id=case.process.pk, flow_task_type="HUMAN",
                            status__in=["NEW", "ASSIGNED"])
    task_url = f"{APP}{case.process.pk}/{task.flow_task.name}/{task.pk}/"
    pages = [APP + page for page in ("inbox/", "queue/", "archive/", "flows/", "", "tasks/")]
    pages += [f"{APP}{case.process.pk}/", task_url, task_url + "assign/",
              "/workflow/recertification/", "/workflow/messages/"]
    for page in pages:
        response = client.get(page, follow=True)
        assert response.status_code == 200, page
        assert_page_keeps_the_policy(response)
    # the task's form, once assigned
    client.post(task_url + "assign/", follow=True)
    assert_page_keeps_the_policy(client.get(task_url + "execute/"))


def test_family_pages_keep_the_policy(client, family_home, case):
    client.force_login(family_home["user"])
    for page in ("/family/", "/family/apply/", f"/family/cases/{case.pk}/",
                 f"/family/cases/{case.pk}/withdraw/", "/family/messages/"):
        assert_page_keeps_the_policy(client.get(page))


def test_login_and_two_factor_pages_keep_the_policy(client, staff):
    assert_page_keeps_the_policy(client.get(LOGIN))
    password_login(client, staff["district"])
    assert_page_keeps_the_policy(client.get(ENROLL))
    give_device(staff["auditor"])
    client.logout()
    password_login(client, staff["auditor"])
    assert_page_keeps_the_policy(client.get(VERIFY))


def test_the_lockout_page_keeps_the_policy(client, staff):
    for _ in range(5):
        response = password_login(client, staff["village"], password="wrong-password")
    assert response.status_code == 429
    assert_page_keeps_the_policy(response)


def test_admin_pages_keep_the_policy(client, areas):
    admin = f.user("admin", areas["district"])
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    verify_session(client, give_device(admin))  # as after entering the code
    for page in ("/admin/", "/admin/casework/user/", f"/admin/casework/user/{admin.pk}/change/"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert_page_keeps_the_policy(response)


def test_the_api_docs_load_their_script_as_a_file(client, db):
    response = client.get("/api/docs/")
    checker = assert_page_keeps_the_policy(response)
    assert checker.inline_scripts == 0
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
