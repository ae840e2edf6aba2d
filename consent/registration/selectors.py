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


@dataclass(frozen=True)
class StepView:
    key: str
    label: str
    state: str
    twilio_status: str
    sid: str
    reasons: list


@dataclass(frozen=True)
class Progress:
    groups: list[tuple[str, list[StepView]]]

    @property
    def started(self) -> bool:
        return any(steps for _, steps in self.groups)


def progress(*, business: Business, checks: list[lint.Check] | None = None) -> Progress:
    """Each submission step as Twilio last answered it, with Twilio's reasons for a failure
    and what to change (consent.registration.reasons)."""
    from consent.registration import reasons
    from consent.registration.models import RegistrationStep
    from consent.registration.submission import GROUP_LABELS, STEPS

    rows = {
        row.key: row
        for row in RegistrationStep.objects.filter(
            business=business, registration__business=business
        )
    }
    groups: list[tuple[str, list[StepView]]] = []
    for group, label in GROUP_LABELS.items():
        steps = []
        for step in STEPS:
            row = rows.get(step.key)
            if step.group != group or row is None:
                continue
            steps.append(
                StepView(
                    key=step.key,
                    label=step.label,
                    state=row.get_state_display(),
                    twilio_status=row.twilio_status,
                    sid=row.sid,
                    reasons=reasons.explain(business=business, problems=row.errors, checks=checks),
                )
            )
        groups.append((label, steps))
    return Progress(groups=groups)
