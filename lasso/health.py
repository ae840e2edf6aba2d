"""GET /healthz: is the database answering, and is the broker? Each answer names the part
that failed, and no check waits long: a load balancer asks often, and a check stuck on a
database that does not answer would hold a web worker the voice webhooks need."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL statement_timeout = '1500ms'")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        logger.warning("healthz: database down: %s", exc)
        return "down"
    return "ok"


def check_broker() -> str:
    if not settings.REDIS_URL:
        # No broker configured: tasks run in-process, which is always available.
        return "ok"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as exc:
        logger.warning("healthz: broker down: %s", exc)
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
    )
