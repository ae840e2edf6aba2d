"""Reads for carrier registration, always for one business."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from consent.registration import evidence, lint, packet
from consent.registration.models import CarrierRegistration
from messaging.gateway import UNREGISTERED_NUMBER
from messaging.models import Message
from tenants.models import Business

RECENT_DAYS = 30


@dataclass(frozen=True)
class Review:
    registration: CarrierRegistration
    packet: packet.Packet
    checks: list[lint.Check]

    @property
    def failing(self) -> list[lint.Check]:
        return [c for c in self.checks if not c.passed]


def registration_for(*, business: Business) -> CarrierRegistration:
    """The saved brand facts, or empty ones (not saved) when the owner has not started."""
    found = CarrierRegistration.objects.filter(business=business).first()
    if found is not None:
        return found
    # Until the owner says otherwise, declare what the samples really contain.
    samples, _ = packet.samples_for(business)
    return CarrierRegistration(
        business=business,
        has_embedded_links=any(packet.contains_link(s.body) for s in samples),
        has_embedded_phone=any(packet.contains_phone(s.body) for s in samples),
    )


def evidence_for(*, business: Business) -> lint.Evidence:
    """The packet from live configuration and the public pages as a visitor gets them."""
    registration = registration_for(business=business)
    built = packet.build(business=business, registration=registration)
    return lint.Evidence(
        registration=registration, packet=built, pages=evidence.public_pages(built)
    )


def review(*, business: Business) -> Review:
    found = evidence_for(business=business)
    return Review(registration=found.registration, packet=found.packet, checks=lint.run(found))


def is_approved(*, business: Business) -> bool:
    return CarrierRegistration.objects.filter(
        business=business, status=CarrierRegistration.Status.APPROVED
    ).exists()


def unregistered_failures(*, business: Business, days: int = RECENT_DAYS) -> int:
    """Texts carriers refused because the number is not registered (Twilio 30034)."""
    return Message.objects.filter(
        business=business,
        error_code=UNREGISTERED_NUMBER,
        created_at__gte=timezone.now() - timedelta(days=days),
    ).count()
