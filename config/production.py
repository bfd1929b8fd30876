"""The production guard: one switch, ``DJANGO_ENV=production``, and a refusal to start
on a configuration that is unsafe or that cannot run on more than one machine.

``check_production_settings`` is pure (a mapping of setting names to values in, a list
of problems out) so that tests can feed it any configuration; ``config/settings.py``
calls ``enforce`` with its own globals when ``DJANGO_ENV=production``.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "production")

# The key settings.py falls back to outside production. Never valid in production.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"

# Django's own rule for a usable key (``manage.py check --deploy``, security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
# The lookup-hash key of personal numbers (casework.personal.crypto).
PII_HASH_KEY_MIN_LENGTH = 32


def check_production_settings(settings: Mapping[str, Any]) -> list[str]:
    """What makes these settings unfit for production; an empty list when none.

    Each problem names the setting and the environment variable that fixes it.
    """
    problems: list[str] = []

    if settings.get("DEBUG"):
        problems.append("DEBUG is on: unset DJANGO_DEBUG (production defaults to off).")

    key = settings.get("SECRET_KEY") or ""
    if not key:
        problems.append("SECRET_KEY is missing: set DJANGO_SECRET_KEY.")
    elif key == DEV_SECRET_KEY or key.startswith("django-insecure"):
        problems.append("SECRET_KEY is the development key: set DJANGO_SECRET_KEY to a "
                        "new random key.")
    elif len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        problems.append(f"SECRET_KEY is too short or too simple: DJANGO_SECRET_KEY needs at "
                        f"least {SECRET_KEY_MIN_LENGTH} characters, "
                        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different.")

    if not settings.get("AUDIT_SIGNING_KEY"):
        problems.append("AUDIT_SIGNING_KEY is missing: set it to a base64 32-byte Ed25519 "
                        "seed (the audit checkpoints' signing key, kept apart from the "
                        "database).")

    problems.extend(personal_data_key_problems(settings))

    hosts = [h for h in settings.get("ALLOWED_HOSTS") or [] if h]
    if not hosts:
        problems.append("ALLOWED_HOSTS is empty: set DJANGO_ALLOWED_HOSTS "
                        "(comma-separated host names).")
    elif "*" in hosts:
        problems.append("ALLOWED_HOSTS contains '*': list the real host names in "
                        "DJANGO_ALLOWED_HOSTS.")

    base = str(settings.get("PUBLIC_BASE_URL") or "")
    if not base.startswith("https://"):
        problems.append("PUBLIC_BASE_URL is not an https:// address: set it to where the "
                        "public reaches the service (printed cards' QR codes point there).")

    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        if not settings.get(name):
            problems.append(f"{name} is off: cookies must only travel over HTTPS.")
    if not settings.get("SECURE_HSTS_SECONDS"):
        problems.append("SECURE_HSTS_SECONDS is 0: set DJANGO_HSTS_SECONDS to a positive "
                        "number of seconds.")
    if not settings.get("SECURE_PROXY_SSL_HEADER"):
        problems.append("SECURE_PROXY_SSL_HEADER is not set: behind the load balancer "
                        "Django cannot tell HTTPS requests.")

    database = (settings.get("DATABASES") or {}).get("default", {})
    if database.get("ENGINE", "").endswith("sqlite3"):
        problems.append("The database is the embedded SQLite file: set DATABASE_URL to "
                        "PostgreSQL (postgres://...).")
    broker = str(settings.get("CELERY_BROKER_URL") or "")
    if not broker.startswith(("redis://", "rediss://")):
        problems.append("The Celery broker is the embedded filesystem folder: set REDIS_URL "
                        "(redis://...).")
    return problems


def personal_data_key_problems(settings: Mapping[str, Any]) -> list[str]:
    """The keys of resident identity and phone numbers at rest (casework.personal.crypto): without
    them the development keys, derived from SECRET_KEY, would be used."""
    problems: list[str] = []
    keys = settings.get("PII_KEYS") or []
    if isinstance(keys, str):
        keys = keys.split(",")
    keys = [k.strip() for k in keys if k and k.strip()]
    if not keys:
        problems.append("PII_KEYS is missing: set it to one or more comma-separated Fernet "
                        "keys (the first encrypts, all decrypt) for the personal data at "
                        "rest.")
    else:
        from cryptography.fernet import Fernet

        bad = 0
        for key in keys:
            try:
                Fernet(key)
            except ValueError:
                bad += 1
        if bad:
            problems.append(f"PII_KEYS holds {bad} value(s) that are not Fernet keys (32 "
                            "url-safe base64-encoded bytes): generate with "
                            "Fernet.generate_key().")
    hash_key = settings.get("PII_HASH_KEY") or ""
    if not hash_key:
        problems.append("PII_HASH_KEY is missing: set it to a random key of at least "
                        f"{PII_HASH_KEY_MIN_LENGTH} characters (the lookup hashes of "
                        "identity and phone numbers; keep it stable).")
    elif len(hash_key) < PII_HASH_KEY_MIN_LENGTH:
        problems.append(f"PII_HASH_KEY is too short: at least {PII_HASH_KEY_MIN_LENGTH} "
                        "characters.")
    elif hash_key in keys:
        problems.append("PII_HASH_KEY is one of the PII_KEYS: use a key of its own.")
    return problems


def enforce(settings: Mapping[str, Any]) -> None:
    """Raise ``ImproperlyConfigured`` listing every problem, if there is any."""
    problems = check_production_settings(settings)
    if problems:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production refuses to start with this configuration:\n"
            + "\n".join(f"  - {problem}" for problem in problems)
            + "\nSee docs/deploy.md, 'Environment variables'.")


def environment(value: str) -> str:
    """The normalised ``DJANGO_ENV``; a typo must not silently mean development."""
    normalised = (value or "development").strip().lower()
    if normalised not in ENVIRONMENTS:
        raise ImproperlyConfigured(
            f"DJANGO_ENV={value!r} is not one of {', '.join(ENVIRONMENTS)} "
            "(staging and the like run as production).")
    return normalised
