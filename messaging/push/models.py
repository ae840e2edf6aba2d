"""One row per device a member opted in on. The endpoint is the browser's push service URL
for that device; it is secret-ish (anyone holding it and the keys can push to the device),
so it is never shown back, only the device's description."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tenants.models import Business


class PushSubscription(models.Model):
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    device = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "endpoint"], name="push_one_row_per_device_and_business"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.device or 'a device'}"
