"""DJANGO_ENV=production: the pure check, and the settings module refusing to start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.production import DEV_SECRET_KEY, check_production_settings

ROOT = Path(__file__).resolve().parents[2]
AUDIT_KEY = "bXktYXVkaXQtc2lnbmluZy1rZXktb2YtMzItYnl0ZXM="  # 32 bytes, base64
PII_KEY = "bXktcGlpLWVuY3J5cHRpb24ta2V5LW9mLTMyYnl0ZXM="  # a Fernet key: 32 bytes, base64url
PII_HASH_KEY = "a-lookup-hash-key-of-at-least-32-characters"
GOOD_KEY = "q7Vt0-4mZ_Lr8cXw2bNf6YhJ1sKd9pGe3aUo5iTz7RyWvBnMxQlCjHk"
# No server is contacted: settings and `check --deploy` only parse these URLs.
PG_URL = "postgres://casework@127.0.0.1:1/casework"
REDIS_URL = "redis://127.0.0.1:1/0"


def good_settings(**changes):
    values = {
        "DEBUG": False,
        "SECRET_KEY": GOOD_KEY,
        "AUDIT_SIGNING_KEY": AUDIT_KEY,
        "PII_KEYS": [PII_KEY],
        "PII_HASH_KEY": PII_HASH_KEY,
        "ALLOWED_HOSTS": ["casework.example.org"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "DATABASES": {"default": {"ENGINE": "django.db.backends.postgresql"}},
        "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
        "PUBLIC_BASE_URL": "https://casework.example.org",
    }
    values.update(changes)
    return values


def test_a_sound_configuration_passes():
    assert check_production_settings(good_settings()) == []


@pytest.mark.parametrize(("changes", "says"), [
    ({"DEBUG": True}, "DJANGO_DEBUG"),
    ({"SECRET_KEY": ""}, "SECRET_KEY is missing"),
    ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
    ({"SECRET_KEY": DEV_SECRET_KEY}, "development key"),
    ({"SECRET_KEY": "django-insecure-" + GOOD_KEY}, "development key"),
    ({"AUDIT_SIGNING_KEY": ""}, "AUDIT_SIGNING_KEY is missing"),
    ({"PII_KEYS": []}, "PII_KEYS is missing"),
    ({"PII_KEYS": ["not-a-fernet-key"]}, "not Fernet keys"),
    ({"PII_HASH_KEY": ""}, "PII_HASH_KEY is missing"),
    ({"PII_HASH_KEY": "short"}, "PII_HASH_KEY is too short"),
    ({"SECRET_KEY": "short-but-random-7f3a"}, "too short"),
    ({"SECRET_KEY": "ab" * 40}, "too short or too simple"),
    ({"ALLOWED_HOSTS": []}, "DJANGO_ALLOWED_HOSTS"),
    ({"ALLOWED_HOSTS": [""]}, "ALLOWED_HOSTS is empty"),
    ({"ALLOWED_HOSTS": ["*"]}, "'*'"),
    ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
    ({"CSRF_COOKIE_SECURE": False}, "CSRF_COOKIE_SECURE"),
    ({"SECURE_HSTS_SECONDS": 0}, "DJANGO_HSTS_SECONDS"),
    ({"SECURE_PROXY_SSL_HEADER": None}, "SECURE_PROXY_SSL_HEADER"),
    ({"DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3"}}}, "DATABASE_URL"),
    ({"CELERY_BROKER_URL": "filesystem://"}, "REDIS_URL"),
    ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
    ({"PUBLIC_BASE_URL": "http://casework.example.org"}, "PUBLIC_BASE_URL"),
])
def test_each_unsafe_setting_is_named(changes, says):
    problems = check_production_settings(good_settings(**changes))
    assert len(problems) == 1, problems
    assert says in problems[0]


def test_every_problem_is_reported_at_once():
    problems = check_production_settings({"DEBUG": True})
    assert len(problems) >= 5  # DEBUG, key, hosts, cookies, ... : one fix-up round, not five


# --- the settings module itself, in a fresh interpreter --------------------------------

def run_django(tmp_path, code, **env_vars):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_", "CELERY_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path), **env_vars)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


SETUP = "import django; django.setup()"
PRODUCTION = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": GOOD_KEY,
              "AUDIT_SIGNING_KEY": AUDIT_KEY, "PII_KEYS": PII_KEY, "PII_HASH_KEY": PII_HASH_KEY,
              "DJANGO_ALLOWED_HOSTS": "casework.example.org,www.casework.example.org",
              "DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL,
              "PUBLIC_BASE_URL": "https://casework.example.org"}


def test_production_refuses_the_default_key(tmp_path):
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": DEV_SECRET_KEY}
    result = run_django(tmp_path, SETUP, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_ENV=production refuses to start" in result.stderr
    assert "SECRET_KEY is the development key: set DJANGO_SECRET_KEY" in result.stderr


def test_production_without_any_configuration_lists_what_is_missing(tmp_path):
    result = run_django(tmp_path, SETUP, DJANGO_ENV="production")
    assert result.returncode != 0
    for says in ("SECRET_KEY is missing", "ALLOWED_HOSTS is empty", "DATABASE_URL",
                 "REDIS_URL"):
        assert says in result.stderr
    assert "DEBUG is on" not in result.stderr  # production defaults DEBUG to off


def test_production_refuses_debug(tmp_path):
    result = run_django(tmp_path, SETUP, **PRODUCTION, DJANGO_DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG is on" in result.stderr


def test_a_misspelt_environment_is_refused(tmp_path):
    result = run_django(tmp_path, SETUP, DJANGO_ENV="prod")
    assert result.returncode != 0
    assert "DJANGO_ENV='prod' is not one of development, production" in result.stderr


def test_production_turns_on_https_only_settings(tmp_path):
    code = SETUP + """
import json
from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in (
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "ALLOWED_HOSTS")}))
"""
    result = run_django(tmp_path, code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "ALLOWED_HOSTS": ["casework.example.org", "www.casework.example.org"],
    }


def test_production_passes_djangos_deployment_checks(tmp_path):
    code = ("import sys; from django.core.management import execute_from_command_line; "
            "execute_from_command_line(['manage.py', 'check', '--deploy', "
            "'--fail-level', 'WARNING'])")
    result = run_django(tmp_path, code, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_keeps_its_embedded_defaults(tmp_path):
    code = SETUP + "\nfrom django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"
    result = run_django(tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", DEV_SECRET_KEY]
