"""Invitations: nobody joins a business from the dashboard without accepting.

An owner's invite creates an Invitation, never a Membership. Someone who already uses Lasso
is emailed to sign in and accept it (the Invitations page lists it, with Accept and
Decline); someone new gets an account with no password and an emailed link, signed and
expiring (Django's password-reset token), to a page that names the business and joins it
only when they choose a password there. An invitation is for the email address it was sent
to: only the account with that address sees it or can accept it, for 7 days.

The operator's `manage.py create_business` adds the first owner directly (tenants.services):
the operator is the one vouching for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenants.invitations.selectors import open_invitations
from tenants.models import Business, Invitation, Membership, User

LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    user_created: bool
    resent: bool
    # True when the person has no password yet: the email's link sets one and joins.
    new_account: bool


def _address(email: str) -> str:
    address = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError(
            {"email": f"“{email}” is not an email address, e.g. sam@example.com."}
        ) from exc
    return address


def invite_member(
    *,
    business: Business,
    email: str,
    role: str = Membership.Role.STAFF,
    invited_by: User | None = None,
) -> Invited:
    """Invite a person by email: they join only when they accept. A new person gets an
    account with no usable password. Inviting again someone with an open invitation emails
    it again (with a fresh 7 days; the role stays as first offered).

    Raises ValidationError keyed "email" / "role".
    """
    address = _address(email)
    if role not in Membership.Role.values:
        raise ValidationError({"role": "Choose Owner or Staff."})
    now = timezone.now()
    with transaction.atomic():
        Business.objects.select_for_update().get(pk=business.pk)
        user = User.objects.filter(email__iexact=address).first()
        user_created = user is None
        if user is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(email=address, password=None)
            except IntegrityError as exc:
                raise ValidationError(
                    {"email": f"{address} signed up at this very moment; invite them again."}
                ) from exc
        member = Membership.objects.filter(business=business, user=user).exists()
        if member and user.has_usable_password():
            raise ValidationError({"email": f"{address} is already a member of {business.name}."})
        invitation = (
            Invitation.objects.select_for_update()
            .filter(business=business, email=address, accepted_at=None, declined_at=None)
            .first()
        )
        resent = invitation is not None
        if invitation is None:
            invitation = Invitation.objects.create(
                business=business,
                email=address,
                role=role,
                invited_by=invited_by,
                created_at=now,
                expires_at=now + LIFETIME,
            )
        else:
            invitation.expires_at = now + LIFETIME
            invitation.save(update_fields=["expires_at"])
    new_account = not user.has_usable_password()
    send_invitation_email(invitation=invitation, user=user, new_account=new_account)
    return Invited(
        invitation=invitation, user_created=user_created, resent=resent, new_account=new_account
    )


def set_password_link(*, user: User) -> str:
    """The invited person's signed, expiring link to choose a password and join. Built from
    PUBLIC_BASE_URL, never from the request's Host."""
    path = reverse(
        "invitation_set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.PUBLIC_BASE_URL + path


def send_invitation_email(*, invitation: Invitation, user: User, new_account: bool) -> None:
    context = {
        "business": invitation.business,
        "role": invitation.get_role_display(),
        "invited_by": invitation.invited_by,
        "new_account": new_account,
        "link": (
            set_password_link(user=user)
            if new_account
            else settings.PUBLIC_BASE_URL + reverse("dashboard:invitations")
        ),
        "login_url": settings.PUBLIC_BASE_URL + reverse("login"),
        "valid_days": max(1, min(LIFETIME.days, settings.PASSWORD_RESET_TIMEOUT // 86400))
        if new_account
        else LIFETIME.days,
    }
    subject = render_to_string("tenants/email/invitation_subject.txt", context).strip()
    body = render_to_string("tenants/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])


def _lock_open(*, user: User, invitation_id: UUID) -> Invitation:
    """The user's own open invitation, locked; Invitation.DoesNotExist for anyone else's
    (or one that was answered, withdrawn or expired)."""
    return (
        open_invitations(user=user)
        .select_for_update(of=("self",))
        .select_related("business")
        .get(public_id=invitation_id)
    )


def accept(*, user: User, invitation_id: UUID) -> Membership:
    """Join the business of the user's own open invitation, in the role it offers.
    Raises Invitation.DoesNotExist when it is not theirs or no longer open."""
    with transaction.atomic():
        invitation = _lock_open(user=user, invitation_id=invitation_id)
        membership, _ = Membership.objects.get_or_create(
            business=invitation.business, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return membership


def decline(*, user: User, invitation_id: UUID) -> Invitation:
    """Say no to the user's own open invitation. Invitation.DoesNotExist as for accept."""
    with transaction.atomic():
        invitation = _lock_open(user=user, invitation_id=invitation_id)
        invitation.declined_at = timezone.now()
        invitation.save(update_fields=["declined_at"])
    return invitation


def withdraw(*, business: Business, invitation_id: UUID) -> Invitation:
    """An owner takes back an invitation of their business that is still open.
    Invitation.DoesNotExist for another business's (or an answered one)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(business=business, accepted_at=None, declined_at=None)
            .get(public_id=invitation_id)
        )
        invitation.delete()
    return invitation
