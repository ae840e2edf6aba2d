"""Lasso's own /request-callback/ form reaches the people running Lasso.

Its requests belong to Lasso's own business (slug "lasso"), made on first use, and follow
the rules of any business's: the same queue (/app/callbacks/), the same consent ledger,
the same team alert. The team is the operators in LASSO_OPERATOR_EMAILS: each is an owner
of the house business, and one without an account gets one with no usable password (they
set it through "Forgot your password?"), so the alert email reaches every listed address.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from callback_form.selectors import HOUSE_BUSINESS_SLUG
from tenants.models import Business, Membership, User

logger = logging.getLogger(__name__)

HOUSE_NAME = "Lasso"


def house_business() -> Business:
    try:
        business, _ = Business.objects.get_or_create(
            slug=HOUSE_BUSINESS_SLUG, defaults={"name": HOUSE_NAME}
        )
    except IntegrityError:  # made at the same moment by another request
        business = Business.objects.get(slug=HOUSE_BUSINESS_SLUG)
    return business


def sync_operators(*, business: Business) -> None:
    """Make the house business's owners exactly the listed operators (an empty list leaves
    the team as the admin set it)."""
    wanted = set(settings.LASSO_OPERATOR_EMAILS)
    if not wanted or business.slug != HOUSE_BUSINESS_SLUG:
        return
    with transaction.atomic():
        users = []
        for email in sorted(wanted):
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=None)
                logger.info("operator account made for %s (house callback form)", email)
            users.append(user)
        for user in users:
            Membership.objects.update_or_create(
                user=user, business=business, defaults={"role": Membership.Role.OWNER}
            )
        Membership.objects.filter(business=business).exclude(
            user__in=[user.pk for user in users]
        ).delete()
