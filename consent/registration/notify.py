"""Telling a business's owners what changed in their carrier registration: one email per
round of changes, each change in it once (the caller reports only changes it recorded)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.mail import send_mail
from django.template.loader import render_to_string

from consent.registration.models import CarrierRegistration
from consent.registration.packet import public_url


@dataclass(frozen=True)
class Change:
    what: str
    old: str
    new: str
    # Twilio's reasons, [{"code", "text"}], when the change is a refusal.
    problems: list[dict[str, str]]


def owner_emails(*, registration: CarrierRegistration) -> list[str]:
    from tenants.models import Membership
    from tenants.selectors import members_of

    return sorted(
        {
            m.user.email
            for m in members_of(business=registration.business).filter(
                role=Membership.Role.OWNER, user__is_active=True
            )
            if m.user.email
        }
    )


def owners(*, registration: CarrierRegistration, changes: list[Change]) -> None:
    from consent.registration import reasons

    recipients = owner_emails(registration=registration)
    if not recipients or not changes:
        return
    status = CarrierRegistration.Status(registration.status).label
    context = {
        "business": registration.business,
        "status": status,
        "changes": [
            {
                "change": change,
                "reasons": reasons.explain(
                    business=registration.business, problems=change.problems
                ),
            }
            for change in changes
        ],
        "url": public_url("/app/registration/"),
    }
    subject = f"Carrier registration of {registration.business.name}: {status}"
    body = render_to_string("consent/registration/email/changed.txt", context)
    send_mail(subject, body, None, recipients)
