"""Reads on businesses and memberships. Tenant lookups for views live here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from lasso.rows import load_one
from tenants.models import Business, Membership, TwilioNumber, User


def number_for_called(*, to: str) -> TwilioNumber | None:
    """The Lasso number a call or text was sent to, with its business; None when unknown.
    Every webhook asks this first: read with one prepared statement (lasso.rows)."""
    if not to:
        return None
    return load_one(TwilioNumber, where="t.phone_number = %s", params=[to], related=["business"])


def default_number(*, business: Business) -> TwilioNumber | None:
    """The number Lasso texts from when no call or text picked one (its first number)."""
    return TwilioNumber.objects.filter(business=business).order_by("pk").first()


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("business").order_by("business__name")
    )


def membership_for(*, user: User, business_slug: str, owner_only: bool = False) -> Membership:
    """The user's membership in a business: outsiders get 404, staff on owner pages 403."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("business")
        .filter(user=user, business__slug=business_slug)
        .first()
    )
    if membership is None:
        raise Http404("No such business.")
    if owner_only and not membership.is_owner:
        raise PermissionDenied("Only an owner of this business can do that.")
    return membership


def members_of(*, business: Business) -> QuerySet[Membership]:
    return Membership.objects.filter(business=business).select_related("user")
