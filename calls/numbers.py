"""Twilio's configuration of each Lasso number, kept in step with the number's routing.

Wherever Lasso configures a number it sets the same four webhooks: the voice URL (with
short connection overrides), the VoiceFallbackUrl that dials the forward-to number carried
in its own signed query (so it must change whenever the routing does), the call status
callback and the SMS URL. A change of routing configures on commit (calls.routing); the
scheduler's minute configures any number whose configuration Twilio does not hold yet (a
number just created, a change whose task was lost).

A number is configured under a lock on its NumberSetup row, from the routing read inside
that lock, so two configurations in flight can never leave Twilio holding the older one.
"""

from __future__ import annotations

import hashlib
import logging

from django.db import transaction
from django.utils import timezone

from calls import webhook_urls
from calls.models import NumberSetup
from calls.routing import Routing, routing_for
from messaging import twilio_numbers
from messaging.twilio_numbers import NumberWebhooks
from tenants.models import TwilioNumber

logger = logging.getLogger(__name__)


def webhooks_for(routing: Routing) -> NumberWebhooks:
    return NumberWebhooks(
        voice_url=webhook_urls.voice_url(),
        voice_fallback_url=webhook_urls.fallback_url(routing),
        status_callback=webhook_urls.status_callback(),
        sms_url=webhook_urls.sms_url(),
    )


def digest(webhooks: NumberWebhooks) -> str:
    text = "\n".join(
        [
            webhooks.voice_url,
            webhooks.voice_fallback_url,
            webhooks.status_callback,
            webhooks.sms_url,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def configure(*, number_id: int) -> str:
    """Bring Twilio's configuration of one number up to date. Returns "configured",
    "unchanged", "gone" (no such number any more) or "failed" (kept, and logged: the
    scheduler tries again)."""
    with transaction.atomic():
        number = TwilioNumber.objects.select_related("business").filter(pk=number_id).first()
        if number is None:
            return "gone"
        setup, _ = NumberSetup.objects.get_or_create(number=number)
        setup = NumberSetup.objects.select_for_update().get(pk=setup.pk)
        webhooks = webhooks_for(routing_for(number=number))
        wanted = digest(webhooks)
        if setup.configured == wanted:
            return "unchanged"
        try:
            setup.twilio_sid = twilio_numbers.configure_number(
                phone_number=str(number.phone_number), webhooks=webhooks, sid=setup.twilio_sid
            )
        except (twilio_numbers.TwilioUnavailable, LookupError) as exc:
            logger.warning("number %s not configured at Twilio: %s", number, exc)
            setup.error = str(exc)[:300]
            setup.save(update_fields=["error"])
            return "failed"
        setup.configured, setup.configured_at, setup.error = wanted, timezone.now(), ""
        setup.save(update_fields=["twilio_sid", "configured", "configured_at", "error"])
    logger.info("number %s configured at Twilio (%s)", number, setup.twilio_sid)
    return "configured"


def configure_later(*, number_ids: list[int]) -> None:
    """Configure these numbers on a worker; a broker outage leaves them to the scheduler."""
    if not twilio_numbers.enabled():
        return
    from calls.tasks import configure_number

    for number_id in number_ids:
        try:
            configure_number.delay(number_id)
        except Exception as exc:
            logger.warning(
                "configuring number %s not enqueued (the minute will): %s", number_id, exc
            )


def out_of_date() -> list[int]:
    """Numbers whose configuration Twilio does not hold yet."""
    configured = dict(NumberSetup.objects.values_list("number_id", "configured"))
    return [
        number.pk
        for number in TwilioNumber.objects.select_related("business").order_by("pk")
        if configured.get(number.pk) != digest(webhooks_for(routing_for(number=number)))
    ]
