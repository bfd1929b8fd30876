"""Django's four password validators, at least 10 characters: a weak password is refused
with a message on the field that names what is wrong, in the user's language."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from casework.models import User
from tests import factories as f

from .support import give_device, verify_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(areas):
    return f.user("village_reviewer", areas["v11"], username="wangxiaoming")


@pytest.mark.parametrize("password, fragment", [
    ("Ab3$efgh", "at least 10 characters"),  # 8 characters
    ("wangxiaoming1", "too similar to the username"),
    ("password123", "too common"),
    ("4718293056123", "entirely numeric"),
])
def test_weak_passwords_are_refused_on_the_field(user, password, fragment):
    form = SetPasswordForm(user, {"new_password1": password, "new_password2": password})
    with translation.override("en"):
        assert not form.is_valid()
        errors = form.errors["new_password2"]
    assert any(fragment in error for error in errors), errors


def test_a_strong_password_is_accepted(user):
    validate_password("violet-Harbour-42", user)
    form = SetPasswordForm(user, {"new_password1": "violet-Harbour-42",
                                  "new_password2": "violet-Harbour-42"})
    assert form.is_valid(), form.errors


def test_the_admins_new_user_page_refuses_a_short_password(client, areas):
    admin = f.user("admin", areas["district"])
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    verify_session(client, give_device(admin))
    client.cookies["django_language"] = "en"
    response = client.post("/admin/casework/user/add/", {
        "username": "newclerk", "password1": "Sh0rt-pw", "password2": "Sh0rt-pw",
        "usable_password": "true", "role": "village_reviewer"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any("at least 10 characters" in e for e in errors["password2"]), errors
    assert not User.objects.filter(username="newclerk").exists()


def test_the_message_follows_the_language(user):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        validate_password("Ab3$efgh", user)
    assert "10" in " ".join(info.value.messages)
    assert "密码" in " ".join(info.value.messages)
