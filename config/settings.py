"""Settings, read once from the environment (12-factor).

Embedded defaults need no server: SQLite (WAL, busy timeout) and a filesystem
Celery broker under ``var/``. ``DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and Redis, which is how production and CI run.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from kombu import Queue

from config import production

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# One switch: DJANGO_ENV=production (default: development). In production there are no
# defaults for the secret key and the host names, DEBUG defaults to off, HTTPS-only
# settings are on, and config.production refuses to start on an unsafe configuration
# (see the end of the "production" section below and docs/deploy.md).
DJANGO_ENV = production.environment(env.str("DJANGO_ENV", default="development"))
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
SECRET_KEY = env.str("DJANGO_SECRET_KEY",
                     default="" if IS_PRODUCTION else production.DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS",
                         default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"])

# Where the public reaches the service (``https://casework.example.org``): printed cards
# carry QR codes to it for years, so it must not follow whatever Host header a request
# came with. Empty in development: the request's own host is used.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not from a CDN
    "django_celery_beat",
    "viewflow",
    "viewflow.workflow",
    "simple_history",  # who changed which policy parameter, when (eligibility admin)
    "axes",  # login lockout by username and address ("security" below)
    "django_otp",  # two-factor authentication (casework.twofactor)
    "django_otp.plugins.otp_totp",
    "csp",  # Content-Security-Policy header and nonces
    "eligibility",
    "casework",
    # the association's own year (casework.<package>: the record; workflows.<package>:
    # its pages and API)
    "casework.healthchecks",
    "casework.contacts",
    "casework.projects",
    "casework.pairings",
    "casework.organisation",
    "casework.fund",
    "casework.duescampaigns",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # every answer to a signed-in user: Cache-Control no-store (personal data, full IDs)
    "casework.privacy.no_store.NoStoreForSignedInMiddleware",
    "csp.middleware.CSPMiddleware",  # every response, the API's and error pages too
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "casework.twofactor.TwoFactorMiddleware",  # no page before the second factor
    "simple_history.middleware.HistoryRequestMiddleware",  # records the editing user
    "casework.history.db_actor.DbActorMiddleware",  # ... and tells PostgreSQL's change log
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its 429 answer
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",  # {{ CSP_NONCE }} for an inline <script>
            ],
        },
    },
]

# --- database --------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process, the worker and beat read while one writes;
    # IMMEDIATE transactions plus a busy timeout turn lock contention into a
    # short wait instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # TEST_SQLITE_NAME lets two test runs on one machine keep apart
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_SQLITE_NAME", default=str(VAR_DIR / "test.sqlite3"))}
else:
    # Persistent connections (one per web/worker process), checked before reuse so a
    # restarted or failed-over PostgreSQL costs one retry, not an error. DATABASE_URL
    # may override: ?conn_max_age=0 behind PgBouncer in transaction mode (with
    # &disable_server_side_cursors=true); see docs/deploy.md.
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Join order as the ORM writes it (base table first, then what it selects related),
    # searched over at most this many relations at a time: a case's file joins eight
    # tables, and searching every order of eight cost ~8 ms of planning for a 0.4 ms
    # read. The ORM's order starts from the filtered table, which is the plan wanted;
    # a two- or three-table join is still planned freely. Assumed, set locally.
    # 0 leaves the server's setting (behind PgBouncer, which refuses the startup option:
    # set it on the role instead, docs/deploy.md).
    _join_limit = env.int("PG_JOIN_COLLAPSE_LIMIT", default=3)
    if _join_limit:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", f"-c join_collapse_limit={_join_limit}")
    # Parameters bound by the server, and a statement prepared (its plan kept) once it
    # ran this many times on a connection, except a pattern match (config.postgres: a
    # generic plan of ``LIKE $1`` cannot use the scope's index). 0: nothing prepared (a
    # pooler in transaction mode before PgBouncer 1.21, docs/deploy.md). Assumed, set
    # locally (psycopg's default threshold).
    DATABASES["default"]["ENGINE"] = "config.postgres"
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("server_side_binding", True)
    _prepare = env.int("PG_PREPARE_THRESHOLD", default=5)
    _options.setdefault("prepare_threshold", _prepare or None)
# Flows manage their own transactions and locks: never ATOMIC_REQUESTS.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
IS_POSTGRES = DATABASES["default"]["ENGINE"] in ("config.postgres",
                                              "django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "casework.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "casework.auth.MinimumLengthValidator",  # Django's, message translated
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- security: login lockout, two-factor, sessions, headers ------------------
# docs/deploy.md, "Security". axes first: it refuses a locked-out (username, address)
# pair before any password is checked; casework.auth.CaseworkBackend is Django's
# ModelBackend whose session user also knows whether it has a confirmed TOTP device.
AUTHENTICATION_BACKENDS = [
    "casework.auth.LockoutBackend",  # axes.backends.AxesStandaloneBackend
    "casework.auth.CaseworkBackend",
]
# Proxies in front of the app that append to X-Forwarded-For (the load balancer: 1).
# The client's address is the entry the outermost one added (casework.auth.client_ip;
# DRF's throttles read the same setting). 0: REMOTE_ADDR, nothing forwarded is trusted.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=1 if IS_PRODUCTION else 0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair, never either alone
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_CLIENT_IP_CALLABLE = "casework.auth.client_ip"
AXES_LOCKOUT_CALLABLE = "casework.auth.lockout_response"  # 429 in the user's language
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp", "otp_token",
                             "csrfmiddlewaretoken"]
# Two-factor (TOTP): required for these roles, and for anyone who may open the Django
# admin (is_staff, is_superuser); optional for other staff, never asked of families.
OTP_REQUIRED_ROLES = ("district_approver", "auditor", "admin")
OTP_TOTP_ISSUER = "Jindong casework"
# Sessions: a working day, then log in again; cookies out of JavaScript's reach. No
# JavaScript of the staff UI (viewflow, Turbo) or of the API docs reads the CSRF cookie:
# every form carries {% csrf_token %}.
# Django's database sessions, the read of a session compiled once a process
SESSION_ENGINE = "casework.sessions"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=9 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Headers (SecurityMiddleware, XFrameOptionsMiddleware, CSPMiddleware).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from this site (viewflow, Turbo, Swagger UI are static files); an inline
# script needs nonce="{{ CSP_NONCE }}". Styles also allow inline: the staff templates,
# viewflow's components and Turbo's progress bar set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    },
}

# --- i18n: zh-hans first, English a switch away ----------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # at the edges; the database stores aware UTC
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- cache -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# The broker's Redis must never evict (a lost key is a lost task); a cache may. Point
# REDIS_CACHE_URL at a separate Redis (allkeys-lru) in production; docs/deploy.md.
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=REDIS_URL)
# Redis unreachable, the cache answers from each process's memory for a few seconds at a
# time instead of failing (config/fallback_cache.py): staff keep logging in and working,
# throttles keep counting per process, lockouts are database rows (docs/deploy.md).
if REDIS_CACHE_URL:
    CACHES = {"default": {"BACKEND": "config.fallback_cache.FallbackRedisCache",
                          "LOCATION": REDIS_CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ----------------------------------------------------------------
# Without REDIS_URL the broker is kombu's filesystem transport: a real broker
# that several processes (web, worker, beat) share through a folder, no server.
# It serves one machine; more than one need Redis (docs/deploy.md).
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"

# Time limits (seconds). Every task gets the default; CELERY_TASK_ANNOTATIONS below
# narrows it for notifications and widens it for the bulk re-certification. The soft
# limit raises SoftTimeLimitExceeded in the task (its transaction rolls back); the hard
# limit kills the worker process soon after (15 s for notifications, 60 s otherwise).
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
NOTIFICATION_SOFT_TIME_LIMIT = 45  # one gateway call under a row lock
NOTIFICATION_TIME_LIMIT = 60
# Re-certification works for workflows.recertification.TASK_BUDGET_SECONDS (180 s), then
# queues its continuation; the chunk in hand may run past that, up to the soft limit.
BULK_SOFT_TIME_LIMIT = 900
BULK_TIME_LIMIT = 960
LONGEST_TASK_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT, NOTIFICATION_TIME_LIMIT, BULK_TIME_LIMIT)
# Redis hands an unacknowledged message to another worker after the visibility timeout.
# With acks_late a message stays unacknowledged while its task runs (and while it waits
# in a worker's prefetch slot), so the timeout must exceed the longest hard time limit
# with room to spare, or a long re-certification would start twice. No task is sent
# with an ETA or countdown, which would also have to stay below it.
BROKER_VISIBILITY_TIMEOUT = 3600
if BROKER_VISIBILITY_TIMEOUT <= 2 * LONGEST_TASK_TIME_LIMIT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("BROKER_VISIBILITY_TIMEOUT must exceed twice the longest "
                               "task time limit")

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(CELERY_BROKER_DIR),
        "store_processed": False,
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True  # a worker waits for Redis to come up
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # ... and for as long as it is down
# Publishing retries a lost broker connection with backoff (0, 0.5, 1, 1.5 s). The web
# process's relay kick opts out (retry=False): its outbox rows wait for beat's sweep.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 4, "interval_start": 0,
                                    "interval_step": 0.5, "interval_max": 2}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_IGNORE_RESULT = True  # no result backend: the database holds every outcome
# At least once: a message is acknowledged after its task ran, and goes back to the
# queue when the worker process dies under it. Every task is safe to run twice (row
# locks, SKIP LOCKED, checkpoints).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker that loses the broker cancels its running acks-late tasks: the broker
# redelivers them anyway, and this keeps them from running twice at once.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# Queues: notifications never wait behind a year's re-certification, nor timers behind
# a burst of messages. A worker without -Q consumes all four; bin/run-all and the test
# worker name them (-Q celery,notifications,timers,bulk); beyond one machine, one worker
# per queue (deploy/systemd). Routes match task names, so a task is routed even where
# it is not imported (beat, the web process).
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Each queue bound under its own name: never two queues on one routing key.
CELERY_TASK_QUEUES = [Queue(name, routing_key=name)
                      for name in ("celery", "notifications", "timers", "bulk")]
CELERY_TASK_ROUTES = {
    "workflows.tasks.relay_outbox": {"queue": "notifications"},
    "workflows.tasks.deliver": {"queue": "notifications"},
    "workflows.tasks.fire_due_timers": {"queue": "timers"},
    "workflows.tasks.sweep_deadlines": {"queue": "timers"},
    "workflows.recertification.recertify_year": {"queue": "bulk"},
    "casework.seal_audit_checkpoint": {"queue": "timers"},
    "workflows.entitlements.end_expired": {"queue": "timers"},
    "workflows.pairings.tasks.end_finished_pairings": {"queue": "timers"},
}
CELERY_TASK_ANNOTATIONS = {
    "workflows.tasks.relay_outbox": {"soft_time_limit": NOTIFICATION_SOFT_TIME_LIMIT,
                                     "time_limit": NOTIFICATION_TIME_LIMIT},
    "workflows.tasks.deliver": {"soft_time_limit": NOTIFICATION_SOFT_TIME_LIMIT,
                                "time_limit": NOTIFICATION_TIME_LIMIT},
    "workflows.recertification.recertify_year": {"soft_time_limit": BULK_SOFT_TIME_LIMIT,
                                                 "time_limit": BULK_TIME_LIMIT},
}

# Exactly one beat process (docs/deploy.md). Its DatabaseScheduler copies this schedule
# into django_celery_beat's tables at start. Each entry is a sweep over database rows:
# a tick that no worker takes in time expires instead of piling up; the next one works.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "fire-due-timers": {"task": "workflows.tasks.fire_due_timers", "schedule": 30.0,
                        "options": {"expire_seconds": 30}},
    "relay-outbox": {"task": "workflows.tasks.relay_outbox", "schedule": 15.0,
                     "options": {"expire_seconds": 15}},
    "sweep-deadlines": {"task": "workflows.tasks.sweep_deadlines", "schedule": 60.0,
                        "options": {"expire_seconds": 60}},
    "seal-audit-checkpoint": {"task": "casework.seal_audit_checkpoint", "schedule": 3600.0,
                              "options": {"expire_seconds": 3600}},
    # entitlements whose period ran out end (workflows.entitlements); pairing contracts
    # that ended unmark their households, those that start mark them (casework.pairings).
    # Hourly, not daily: a missed day costs nothing, and each run reads only due rows.
    "end-expired-entitlements": {"task": "workflows.entitlements.end_expired",
                                 "schedule": 3600.0, "options": {"expire_seconds": 3600}},
    "end-finished-pairings": {"task": "workflows.pairings.tasks.end_finished_pairings",
                              "schedule": 3600.0, "options": {"expire_seconds": 3600}},
}

# --- audit -----------------------------------------------------------------
# Ed25519 seed (32 bytes, base64) signing the audit checkpoints; production requires it.
# Generate: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())"
AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY", default="")

# --- personal data ---------------------------------------------------------
# Resident identity numbers and phone numbers are stored encrypted, with a keyed hash for
# exact lookup (casework.personal.crypto); production requires both keys (config.production).
# PII_KEYS: comma-separated Fernet keys; the first encrypts, every one decrypts. Rotate:
# put a new key first, deploy, run `manage.py rotate_pii_keys`, then drop the old key.
# Generate: python -c "from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())"
PII_KEYS = [key.strip() for key in env.list("PII_KEYS", default=[]) if key.strip()]
# PII_HASH_KEY: the HMAC-SHA256 key of the lookup hashes, at least 32 characters. Keep it
# stable: a new one matches no stored hash until `manage.py rotate_pii_keys --rehash` ran.
# Generate: python -c "import secrets;print(secrets.token_urlsafe(48))"
PII_HASH_KEY = env.str("PII_HASH_KEY", default="")
# Error reports (the DEBUG page, mails to ADMINS) with identity and mobile numbers masked;
# log records are masked by LOGGING's filter (below).
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.logging_filters.PersonalDataReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "config.logging_filters.PersonalDataExceptionReporter"

# --- notifications ---------------------------------------------------------
SMS_BACKEND = env.str("SMS_BACKEND", default="workflows.notifications.sms.LoggingSmsBackend")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# For EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (docs/deploy.md).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Well inside the notification tasks' soft time limit: a hung SMTP server fails the
# attempt (the row backs off and is retried) instead of holding the row's lock.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- REST API --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.api.authentication.CompiledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "casework.api.permissions.ReadOnlyRolesCannotWrite",
    ],
    "DEFAULT_SCHEMA_CLASS": "casework.api.schema.CaseworkAutoSchema",
    # JSON with a nesting limit (casework.api.parsers); forms and uploads as DRF reads them
    "DEFAULT_PARSER_CLASSES": [
        "casework.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "casework.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "casework.api.errors.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,  # throttles key on the client's address, not the proxy's
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Jindong benefit casework API",
    "DESCRIPTION": "Applications, reviews and entitlements of the district family-planning "
    "association.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DecisionOutcomeEnum": "casework.models.Decision.Outcome",
        "CaseStatusEnum": "casework.models.CaseStatus",
        # the association's records: fields of the same name with their own choices
        "MembershipRoleEnum": "casework.models.Membership.Role",
        "UserRoleEnum": "casework.models.User.Role",
        "IncomeProjectKindEnum": "casework.projects.models.IncomeProject.Kind",
        "OrgUnitKindEnum": "casework.organisation.models.OrgUnit.Kind",
        "ActivityDayKindEnum": "casework.organisation.models.ActivityDay.Kind",
        "PartnerKindEnum": "casework.pairings.models.Partner.Kind",
        "FundEntryKindEnum": "casework.fund.models.FundEntry.Kind",
        "HealthCheckResultEnum": "casework.healthchecks.models.HealthCheckRecord.Result",
    },
}

# --- production ------------------------------------------------------------
# Behind a TLS-terminating load balancer that sets X-Forwarded-Proto (docs/deploy.md).
# The health checks answer plain HTTP so the balancer can probe the app servers direct.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:  # preloading is a commitment the operator makes, not a default
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
    production.enforce(globals())

# Every log record has resident identity numbers and mobile numbers masked: the filter on
# each handler below, and (configure_logging) on every record as it is made, so handlers
# added elsewhere (Celery's worker) write them masked too.
LOGGING_CONFIG = "config.logging_filters.configure_logging"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "config.logging_filters.MaskPersonalData"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {"()": "django.utils.log.ServerFormatter",
                          "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain",
                    "filters": ["mask_personal_data"]},
        # Django's own two, redefined with the filter
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server",
                          "filters": ["mask_personal_data"]},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR",
                        "filters": ["require_debug_false", "mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # the records go on to the root's console
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO",
                          "propagate": False},
    },
}

# --- notifications -----------------------------------------------------------------
# Channels (workflows.notifications: notify, sms): at most this many SMS per number in any
# hour; a message over it is deferred to when the window allows, never dropped.
SMS_RATE_LIMIT_PER_HOUR = env.int("SMS_RATE_LIMIT_PER_HOUR", default=5)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="casework@localhost")

# --- association dues (casework.register.dues) ---------------------------------------
# yearly dues per member, in yuan: each amount in force from its year on; none are owed
# for the years before the first. Assumed, set locally: the report asks for dues (lines
# 186-187) but states no amount or first year
ASSOCIATION_DUES_YUAN = {2024: "10.00"}
