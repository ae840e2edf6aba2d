"""/app/invitations/: a person's own invitations, to accept or decline; an owner
withdrawing one from the Team page; and the invited newcomer's "choose a password and
join" page under /accounts/."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET, require_POST

from tenants.accounts import forms as account_forms
from tenants.dashboard import SESSION_KEY, business_view
from tenants.invitations import services
from tenants.invitations.selectors import open_invitations
from tenants.models import Business, Invitation


@require_GET
@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    context = {"invitations": open_invitations(user=request.user).select_related("business")}
    return render(request, "tenants/invitations.html", context)


@require_POST
@login_required
def accept_invitation(request: HttpRequest, invitation_id: uuid.UUID) -> HttpResponse:
    try:
        membership = services.accept(user=request.user, invitation_id=invitation_id)
    except Invitation.DoesNotExist as exc:
        raise Http404("No such invitation for you.") from exc
    request.session[SESSION_KEY] = membership.business.slug
    messages.success(
        request,
        f"You joined {membership.business.name} as {membership.get_role_display().lower()}.",
    )
    return redirect("dashboard:home")


@require_POST
@login_required
def decline_invitation(request: HttpRequest, invitation_id: uuid.UUID) -> HttpResponse:
    try:
        invitation = services.decline(user=request.user, invitation_id=invitation_id)
    except Invitation.DoesNotExist as exc:
        raise Http404("No such invitation for you.") from exc
    messages.success(request, f"You declined the invitation to {invitation.business.name}.")
    return redirect("dashboard:invitations")


@require_POST
@business_view(owner_only=True)
def withdraw_invitation(request: HttpRequest, invitation_id: uuid.UUID) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    try:
        invitation = services.withdraw(business=business, invitation_id=invitation_id)
    except Invitation.DoesNotExist as exc:
        raise Http404("No such invitation in this business.") from exc
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("dashboard:team")


class InvitationSetPassword(auth_views.PasswordResetConfirmView):
    """The newcomer's emailed link: it names the businesses inviting them, and choosing a
    password here is accepting them. Then they sign in (a lock from failed sign-ins, if
    any, still runs its course: tenants.accounts.lockout)."""

    form_class = account_forms.SetPasswordForm
    template_name = "tenants/invitation_set_password.html"
    success_url = reverse_lazy("login")

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        user = getattr(self, "user", None)
        context["invitations"] = (
            list(open_invitations(user=user).select_related("business", "invited_by"))
            if user is not None and context.get("validlink")
            else []
        )
        return context

    def form_valid(self, form: account_forms.SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        joined = []
        for invitation in open_invitations(user=form.user):
            try:
                joined.append(
                    services.accept(user=form.user, invitation_id=invitation.public_id).business
                )
            except Invitation.DoesNotExist:  # answered at the same moment elsewhere
                continue
        if joined:
            names = ", ".join(business.name for business in joined)
            messages.success(
                self.request, f"Your password is set and you joined {names}. Sign in below."
            )
        else:
            messages.success(
                self.request,
                "Your password is set. Your invitation had expired: ask an owner to invite "
                "you again, then sign in to accept it.",
            )
        return response
