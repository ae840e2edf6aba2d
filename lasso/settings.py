"""Lasso settings: every value comes from the environment (see README, "Settings").

Unset, Lasso runs on an SQLite file with tasks run in-process, so a newcomer can try it
with no services. Production sets DEBUG off, which makes SECRET_KEY mandatory and turns on
secure cookies, HSTS and the proxy headers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of true/false, 1/0, yes/no, on/off."
    )


DEBUG = _bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Lasso refuses to start with DEBUG off and no SECRET_KEY; "
            "set SECRET_KEY to a long random string (or DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")
_public = urlsplit(PUBLIC_BASE_URL)
if _public.scheme not in {"http", "https"} or not _public.netloc:
    raise ImproperlyConfigured(
        f"PUBLIC_BASE_URL={PUBLIC_BASE_URL!r} must be an absolute http(s) URL such as "
        "https://app.lassocalls.com"
    )
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]

# How many proxies we run in front of Lasso, each appending to X-Forwarded-For: the client's
# address is that many entries from the right (lasso.client_address). 0 trusts no header.
_proxies = env.str("TRUSTED_PROXY_COUNT", default="0").strip() or "0"
if not _proxies.isdigit():
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT={_proxies!r} must be a whole number of proxies, 0 or more."
    )
TRUSTED_PROXY_COUNT = int(_proxies)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "axes",
    "tenants",
    "calls",
    "messaging",
    "consent",
    "callback_form",
    "messaging.push",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lasso.content_security_policy.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lasso.unacceptable_input.RefuseUnacceptableInput",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a sign-in refused for too many failures into the "try again in N minutes" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lasso.urls"
# bench/textback.py compares the webhooks with a view that does nothing, served by the same
# processes: only that bench sets this, and only on its own private server.
if _bool("LASSO_BENCH_BARE_VIEW", False):
    ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "lasso.wsgi.application"
ASGI_APPLICATION = "lasso.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.active_business",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": env.db_url(
            "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'lasso.sqlite3'}"
        )
    }
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL Lasso understands ({exc}); "
        "use postgres://user:password@host:5432/name or sqlite:////path/to/file.sqlite3"
    ) from exc
if DATABASES["default"].get("ENGINE") not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (or SQLite for a demo).")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Django's backend, but a connection used cleanly in the last second is not pinged
    # again before the next request (lasso/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "lasso.postgresql"
    # A database that does not answer must not hold a caller (calls.voice_path): give up
    # connecting after 2 s (libpq's least), and on a connection whose peer vanished after
    # 3 s of unacknowledged data. A DATABASE_URL may set its own.
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", 2)
    _db_options.setdefault("tcp_user_timeout", 3000)
    # Parameters bound by the server, and a statement run a few times on one connection
    # prepared there: PostgreSQL then skips parsing and planning the voice path's and the
    # send pipeline's queries, which are the same few statements on every call
    # (bench/README.md). Connections go straight to PostgreSQL (no transaction-pooling
    # proxy), which is what prepared statements need.
    _db_options.setdefault("server_side_binding", True)
    _db_options.setdefault("prepare_threshold", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tenants.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes first: a locked-out account or address is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/app/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# A bench (bench/dashboard.py) collects into its own folder, never under a running suite.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "Lasso <no-reply@lassocalls.com>"

PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DB_FORMAT = "E164"

# --- Redis, cache and Celery -------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis:// or rediss://")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # A cache outage must not take the public pages down with it.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # ...but it must not pass unseen: rate limits fail open while it lasts, so say so.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = False

# The voice webhooks of every call answer from the routing cache and queue the call's
# events for a worker to record (calls.voice_queue); off, or without Redis, they record
# each call themselves before answering.
VOICE_WEBHOOKS_QUEUED = _bool("VOICE_WEBHOOKS_QUEUED", True) and bool(REDIS_URL)

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep the worker's database connection across tasks (Celery closes it after every task
# otherwise): a fresh authenticated connection per text costs more than the send itself.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when Redis is down: the webhook answers Twilio and the beat
# sweep picks the work up later, instead of the request hanging on a dead broker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Longer than the longest retry countdown, so a delayed retry is not redelivered early.
    "visibility_timeout": 3600,
}
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = "UTC"
# Task modules of packages inside an app, which autodiscovery (app/tasks.py only) misses.
CELERY_IMPORTS = ["tenants.onboarding.tasks", "consent.registration.tasks"]
CELERY_BEAT_SCHEDULE = {
    "sweep-callback-requests": {
        "task": "callback_form.tasks.sweep_unprocessed_callback_requests",
        "schedule": 60.0,
    },
    "sweep-due-messages": {
        "task": "messaging.tasks.sweep_due_messages",
        "schedule": 60.0,
    },
    "sweep-calls": {
        "task": "calls.tasks.sweep_calls",
        "schedule": 60.0,
    },
    "sweep-handoffs": {
        "task": "messaging.tasks.sweep_due_handoffs",
        "schedule": 60.0,
    },
    "sync-numbers": {
        "task": "calls.tasks.sync_numbers",
        "schedule": 60.0,
    },
    "reclaim-voice-events": {
        "task": "calls.tasks.reclaim_voice_events",
        "schedule": 60.0,
    },
    "reconcile-outages": {
        "task": "calls.tasks.reconcile_outages",
        "schedule": 60.0,
    },
    "resolve-unknown-messages": {
        "task": "messaging.tasks.resolve_unknown_messages",
        "schedule": 60.0,
    },
    # Carriers review in days; every quarter of an hour is soon enough to tell the owner.
    "poll-carrier-registrations": {
        "task": "consent.registration.tasks.poll_carrier_registrations",
        "schedule": 900.0,
    },
}

# --- Twilio ------------------------------------------------------------------------------
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="https://api.twilio.com").rstrip("/")
if urlsplit(TWILIO_API_BASE_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(
        f"TWILIO_API_BASE_URL={TWILIO_API_BASE_URL!r} must be an absolute http(s) URL"
    )
# One base URL per Twilio domain, over TWILIO_API_BASE_URL for that domain only (tests run one
# Prism per Twilio spec): "messaging=http://127.0.0.1:4011,trusthub=http://127.0.0.1:4012".
_TWILIO_DOMAINS = {"api", "messaging", "trusthub", "lookups"}
TWILIO_API_BASE_URLS: dict[str, str] = {}
for _entry in filter(
    None, (e.strip() for e in env.str("TWILIO_API_BASE_URLS", default="").split(","))
):
    _domain, _equals, _url = (part.strip() for part in _entry.partition("="))
    if (
        not _equals
        or _domain not in _TWILIO_DOMAINS
        or urlsplit(_url).scheme not in {"http", "https"}
        or not urlsplit(_url).netloc
    ):
        raise ImproperlyConfigured(
            f"TWILIO_API_BASE_URLS entry {_entry!r} must be <domain>=<absolute http(s) URL>, "
            f"the domain one of {sorted(_TWILIO_DOMAINS)}"
        )
    TWILIO_API_BASE_URLS[_domain] = _url.rstrip("/")
# Lasso's own (primary) Trust Hub customer profile, attached to every business's secondary
# profile as Twilio's ISV flow asks; empty: not attached (consent.registration.submission).
TWILIO_PRIMARY_CUSTOMER_PROFILE_SID = env.str("TWILIO_PRIMARY_CUSTOMER_PROFILE_SID", default="")
TWILIO_REQUEST_TIMEOUT_SECONDS = 10
# Twilio answers the standard STOP/HELP keywords itself when Advanced Opt-Out is on; Lasso
# then records the event but does not send a second confirmation.
TWILIO_HANDLES_STANDARD_OPT_OUT = True

_SMS_BACKENDS = {"twilio", "console", "memory"}
LASSO_SMS_BACKEND = env.str(
    "LASSO_SMS_BACKEND",
    default="twilio" if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN else "console",
)
if LASSO_SMS_BACKEND not in _SMS_BACKENDS:
    raise ImproperlyConfigured(
        f"LASSO_SMS_BACKEND={LASSO_SMS_BACKEND!r} is not one of {sorted(_SMS_BACKENDS)}"
    )
if LASSO_SMS_BACKEND == "twilio" and not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN):
    raise ImproperlyConfigured(
        "LASSO_SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."
    )

# --- Twilio subaccounts and onboarding ---------------------------------------------------
# Each business's Twilio subaccount SID and auth token are stored encrypted with this Fernet
# key (url-safe base64 of 32 bytes: `python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`). Losing it loses every stored subaccount token, so
# production must set it: no default with DEBUG off. With DEBUG on an unset key is derived
# from SECRET_KEY, which is good enough for a demo and nothing else.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="").strip()
if not FIELD_ENCRYPTION_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set. Lasso refuses to start with DEBUG off and no "
            "FIELD_ENCRYPTION_KEY (it encrypts the Twilio subaccount tokens it stores); set it "
            "to a Fernet key: url-safe base64 of 32 random bytes."
        )
    FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(b"lasso-demo-field-key:" + SECRET_KEY.encode()).digest()
    ).decode()
else:
    try:
        _field_key = base64.urlsafe_b64decode(FIELD_ENCRYPTION_KEY.encode())
    except (binascii.Error, ValueError):
        _field_key = b""
    if len(_field_key) != 32:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be a Fernet key: url-safe base64 of exactly 32 bytes."
        )

# Who hears about requests on Lasso's own /request-callback/ form (comma-separated).
LASSO_OPERATOR_EMAILS = [
    email.strip().lower()
    for email in env.list("LASSO_OPERATOR_EMAILS", default=[])
    if email.strip()
]

# --- REST API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The throttles find the client's address as lasso.client_address does.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lasso API",
    "DESCRIPTION": "Missed calls, conversations and consent for one business.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lasso.api_schema.add_error_responses",
    ],
}

# --- Failed sign-ins (django-axes; the rules are in tenants.accounts.lockout) ----------------
# Every sign-in (the login page, the admin's, POST /api/v1/auth/token/) is counted per account
# and per client address: 5 failures on one account, or 20 from one address (see
# tenants.accounts.lockout.ADDRESS_FAILURE_LIMIT), within the cool-off lock it until the
# cool-off has passed since the failure that reached the limit.
AXES_HANDLER = "tenants.accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "tenants.accounts.lockout.username_for"
# The one client-address rule (TRUSTED_PROXY_COUNT): a forged X-Forwarded-For is ignored.
AXES_CLIENT_IP_CALLABLE = "lasso.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "tenants.accounts.lockout.lockout_response"
# Signing in resets the account's count (only the account's: see LockoutHandler).
AXES_RESET_ON_SUCCESS = True
# Tries while locked are refused without being counted, so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Only failures are kept, and only until their cool-off ends: no log of every sign-in.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- Security ----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Links out (a business's website, the policies) do not carry our paths, which hold
# conversation and call ids; our own pages still see where a request came from.
SECURE_REFERRER_POLICY = "same-origin"
# A page we open, or that opens us, gets no handle on our window.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent on every answer by lasso.content_security_policy. Nothing inline, not even styles:
# scripts and styles are static files, so injected markup can neither run nor restyle a
# page into a phishing form. Voicemail audio is streamed from our own /app/calls/… and the
# Swagger UI is served from the sidecar's static files, so 'self' covers them too.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "media-src": ["'self'"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _public.scheme == "https"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Axes logs every sign-in at INFO; its failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
        # The SDK logs every request and response at INFO, with the customer's number and
        # text: not for the logs (and a measurable cost per text). Its errors still show.
        "twilio.http_client": {"level": "WARNING"},
    },
}

# Web Push (messaging.push): the VAPID key pair identifies Lasso to the browsers' push
# services. Both keys are the base64url strings `vapid --gen` / `vapid --applicationServerKey`
# print; with either unset, the dashboard does not offer notifications and nothing is pushed.
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env("VAPID_SUBJECT", default="mailto:support@lasso.example")
