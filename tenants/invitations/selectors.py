"""Reads on invitations: a person sees only those sent to their own email address; an
owner sees only their own business's."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from tenants.models import Business, Invitation, User


def open_invitations(*, user: User) -> QuerySet[Invitation]:
    """Invitations to this user's email address not yet answered, withdrawn or expired."""
    if not user.is_authenticated or not user.email:
        return Invitation.objects.none()
    return Invitation.objects.filter(
        email__iexact=user.email,
        accepted_at__isnull=True,
        declined_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("created_at")


def pending_for_business(*, business: Business) -> QuerySet[Invitation]:
    """The business's invitations still waiting for an answer (expired ones too, so the
    owner sees them and can invite again)."""
    return Invitation.objects.filter(
        business=business, accepted_at__isnull=True, declined_at__isnull=True
    ).order_by("email")
