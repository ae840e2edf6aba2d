"""Writes for Web Push. A member's device is subscribed only by that member, for the active
business; an alert is pushed to each device once, right after the team's email, and a
device its push service says is gone (404/410) is forgotten so it is never tried again.
A push failure never holds up or repeats the email/SMS alert: it is logged, not retried."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from messaging.push.models import PushSubscription
from messaging.push.selectors import push_configured, subscriptions_to_alert
from tenants.models import Business

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 10
# A day: long enough for the phone to wake and fetch it, short enough not to show a stale alert.
PUSH_TTL_SECONDS = 24 * 3600
MAX_FAILURES = 5
GONE = {404, 410}


class SubscriptionRefused(ValueError):
    """The browser's subscription is not one Lasso can push to."""


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    url: str
    tag: str  # one notification per conversation on the device: a newer one replaces it


def subscribe(
    *, business: Business, user: object, endpoint: str, p256dh: str, auth: str, device: str = ""
) -> PushSubscription:
    if not endpoint.startswith("https://") and not _is_local_test_endpoint(endpoint):
        raise SubscriptionRefused("A push endpoint must be an https URL.")
    if not p256dh or not auth or len(p256dh) > 200 or len(auth) > 100 or len(endpoint) > 1000:
        raise SubscriptionRefused("The subscription's keys are missing or malformed.")
    fields = {"user": user, "p256dh": p256dh, "auth": auth, "device": device[:120], "failures": 0}
    try:
        with transaction.atomic():
            subscription, _ = PushSubscription.objects.update_or_create(
                business=business, endpoint=endpoint, defaults=fields
            )
    except IntegrityError:  # the same device subscribing twice at once
        subscription = PushSubscription.objects.get(business=business, endpoint=endpoint)
    return subscription


def _is_local_test_endpoint(endpoint: str) -> bool:
    # Push services are https; plain http is accepted only for a loopback endpoint while
    # DEBUG is on (a local push server during development and in the test suite).
    return settings.DEBUG and endpoint.startswith(("http://127.0.0.1:", "http://localhost:"))


def unsubscribe(*, business: Business, user: object, subscription_id: int) -> bool:
    deleted, _ = PushSubscription.objects.filter(
        business=business, user=user, pk=subscription_id
    ).delete()
    return bool(deleted)


def unsubscribe_endpoint(*, business: Business, user: object, endpoint: str) -> bool:
    deleted, _ = PushSubscription.objects.filter(
        business=business, user=user, endpoint=endpoint
    ).delete()
    return bool(deleted)


def vapid_private_key() -> str:
    """The key as pywebpush reads it: base64 of the raw key or of its DER. A PEM file's
    contents (as `vapid --gen` writes private_key.pem) are accepted too: its body is the DER."""
    key = settings.VAPID_PRIVATE_KEY.strip()
    if "-----BEGIN" in key:
        key = "".join(line for line in key.splitlines() if line and not line.startswith("-----"))
    return key


def push_to_business(*, business: Business, notice: Notice) -> int:
    """Push one notice to every device of the business's members; the number delivered."""
    if not push_configured():
        return 0
    from pywebpush import WebPushException, webpush

    payload = json.dumps(
        {"title": notice.title, "body": notice.body, "url": notice.url, "tag": notice.tag}
    )
    delivered = 0
    for subscription in subscriptions_to_alert(business=business):
        try:
            webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=payload,
                vapid_private_key=vapid_private_key(),
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=PUSH_TTL_SECONDS,
                timeout=PUSH_TIMEOUT_SECONDS,
            )
        except WebPushException as exc:
            status = getattr(exc.response, "status_code", None)
            logger.warning("push to subscription %s failed: %s", subscription.pk, status)
            if status in GONE:
                subscription.delete()
            else:
                _failed(subscription)
            continue
        except Exception as exc:  # a push service that cannot be reached is not our outage
            _failed(subscription)
            logger.warning("push to subscription %s failed: %s", subscription.pk, exc)
            continue
        PushSubscription.objects.filter(pk=subscription.pk).update(
            last_pushed_at=timezone.now(), failures=0
        )
        delivered += 1
    return delivered


def _failed(subscription: PushSubscription) -> None:
    PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
    PushSubscription.objects.filter(pk=subscription.pk, failures__gte=MAX_FAILURES).delete()


# --- a missed call that was texted back -----------------------------------------------------
# Claimed in the cache so a redelivered task does not buzz the phones twice.
MISSED_CALL_CLAIM_SECONDS = 24 * 3600


def push_missed_call_on_commit(*, message_id: int) -> None:
    """After the text-back is committed, tell the members' devices (from a worker: a push
    service's latency never holds up Twilio's webhook)."""

    def publish() -> None:
        from messaging.push.tasks import push_missed_call

        try:
            push_missed_call.apply_async((message_id,), retry=False)
        except Exception:
            logger.warning("missed-call push for message %s not enqueued", message_id)

    if push_configured():
        transaction.on_commit(publish)


def push_missed_call(*, message_id: int) -> int:
    from django.core.cache import cache

    from messaging.handoff import conversation_url
    from messaging.models import Message

    message = (
        Message.objects.select_related("business", "conversation__contact")
        .filter(pk=message_id, kind=Message.Kind.TEXTBACK)
        .first()
    )
    if message is None or not cache.add(
        f"push:missed-call:{message_id}", 1, MISSED_CALL_CLAIM_SECONDS
    ):
        return 0
    from messaging.templatetags.phones import display_number

    contact = message.conversation.contact
    who = contact.name or display_number(contact.phone_number, message.business)
    return push_to_business(
        business=message.business,
        notice=Notice(
            title=f"Missed call · {who}",
            body="Lasso texted them back. They're in Needs reply until someone handles it.",
            url=conversation_url(message.conversation),
            tag=f"conversation-{message.conversation_id}",
        ),
    )
