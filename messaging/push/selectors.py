"""Reads for Web Push, always scoped to the business."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from messaging.push.models import PushSubscription
from tenants.models import Business


def push_configured() -> bool:
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def devices_of(*, business: Business, user: object) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(business=business, user=user).order_by("-created_at")


def subscriptions_to_alert(*, business: Business) -> QuerySet[PushSubscription]:
    """The devices of the business's current, active members."""
    return PushSubscription.objects.filter(
        business=business,
        user__is_active=True,
        user__memberships__business=business,
    ).distinct()
