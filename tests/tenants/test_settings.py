"""Settings come from the environment alone; bad values stop start-up with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE_URL",
    "LASSO_SMS_BACKEND",
    "TRUSTED_PROXY_COUNT",
]
PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
  "DEBUG": s.DEBUG, "ENGINE": s.DATABASES["default"]["ENGINE"],
  "NAME": str(s.DATABASES["default"]["NAME"]), "EAGER": s.CELERY_TASK_ALWAYS_EAGER,
  "BROKER": s.CELERY_BROKER_URL, "BACKEND": s.LASSO_SMS_BACKEND, "HOSTS": s.ALLOWED_HOSTS,
  "HSTS": getattr(s, "SECURE_HSTS_SECONDS", 0), "SECURE_COOKIE": s.SESSION_COOKIE_SECURE,
  "PROXY": getattr(s, "SECURE_PROXY_SSL_HEADER", None), "API": s.TWILIO_API_BASE_URL,
  "PROXIES": s.TRUSTED_PROXY_COUNT, "DRF_PROXIES": s.REST_FRAMEWORK["NUM_PROXIES"],
}))
"""


def load(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    clean["DJANGO_SETTINGS_MODULE"] = "lasso.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_with(**env: str) -> dict[str, object]:
    result = load(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_runs_on_sqlite_with_in_process_tasks_when_only_debug_is_set():
    s = settings_with(DEBUG="true")
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["NAME"].endswith("var/lasso.sqlite3")
    assert s["EAGER"] is True
    assert s["BACKEND"] == "console"


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    result = load()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_turns_on_secure_cookies_hsts_and_proxy_header_in_production():
    s = settings_with(SECRET_KEY="x" * 50, PUBLIC_BASE_URL="https://app.lassocalls.com")
    assert s["DEBUG"] is False
    assert s["HSTS"] >= 31536000
    assert s["SECURE_COOKIE"] is True
    assert s["PROXY"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_it_reads_postgres_redis_and_twilio_from_the_environment():
    s = settings_with(
        SECRET_KEY="k",
        DATABASE_URL="postgres://u:p@db.internal:5432/lasso",
        REDIS_URL="redis://cache.internal:6379/2",
        ALLOWED_HOSTS="app.lassocalls.com,api.lassocalls.com",
        TWILIO_ACCOUNT_SID="AC123",
        TWILIO_AUTH_TOKEN="tok",
        TWILIO_API_BASE_URL="http://127.0.0.1:4010/",
    )
    assert s["ENGINE"] == "lasso.postgresql"  # Django's, pinging only idle connections
    assert s["NAME"] == "lasso"
    assert s["EAGER"] is False
    assert s["BROKER"] == "redis://cache.internal:6379/2"
    assert s["HOSTS"] == ["app.lassocalls.com", "api.lassocalls.com"]
    assert s["BACKEND"] == "twilio"  # credentials set, so the real SDK is the default
    assert s["API"] == "http://127.0.0.1:4010"


def test_it_trusts_no_forwarded_address_unless_told_how_many_proxies_there_are():
    assert settings_with(DEBUG="true")["PROXIES"] == 0
    s = settings_with(DEBUG="true", TRUSTED_PROXY_COUNT="2")
    # The API's throttles count the same client address as the rest of Lasso.
    assert (s["PROXIES"], s["DRF_PROXIES"]) == (2, 2)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "1", "TRUSTED_PROXY_COUNT": "two"}, "TRUSTED_PROXY_COUNT='two'"),
        ({"DEBUG": "1", "TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT='-1'"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://u:p@h/db"}, "must point at PostgreSQL"),
        ({"DEBUG": "1", "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DEBUG": "1", "REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379'"),
        ({"DEBUG": "1", "PUBLIC_BASE_URL": "lassocalls.com"}, "PUBLIC_BASE_URL"),
        ({"DEBUG": "1", "LASSO_SMS_BACKEND": "carrier-pigeon"}, "LASSO_SMS_BACKEND"),
        ({"DEBUG": "1", "LASSO_SMS_BACKEND": "twilio"}, "needs TWILIO_ACCOUNT_SID"),
        ({"DEBUG": "1", "TWILIO_API_BASE_URL": "ftp://x"}, "TWILIO_API_BASE_URL"),
    ],
)
def test_it_rejects_malformed_values_with_a_clear_message(env, message):
    result = load(**env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "ImproperlyConfigured" in result.stderr
