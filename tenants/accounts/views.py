"""/accounts/…: asking for a password reset (rate-limited, the same answer and the same
work for every address), choosing the new password, and changing it while signed in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from lasso.client_address import client_ip
from tenants.accounts import forms, lockout, rate_limit, services


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordResetRequestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        wait = services.reset_wait_seconds(email=email, client_address=client_ip(request))
        if wait:
            form.add_error(
                None,
                f"Too many reset requests; try again in {rate_limit.minutes(wait)}.",
            )
            status = 429
        else:
            services.request_password_reset(email=email)
            return redirect("password_reset_done")
    elif request.method == "POST":
        status = 400
    return render(request, "registration/password_reset_form.html", {"form": form}, status=status)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    form_class = forms.SetPasswordForm

    def form_valid(self, form: forms.SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request, services.signed_out_message(revoked_tokens=form.revoked_tokens)
        )
        # The link proves the person reads the account's email, but a new password does not
        # cut short a lock from failed sign-ins (tenants.accounts.lockout): say when it works.
        lock = lockout.current_lock(
            username=form.user.email.lower(), ip_address=client_ip(self.request)
        )
        if lock is not None:
            messages.warning(
                self.request,
                f"Too many failed sign-ins locked this account for now: your new password "
                f"works in {lockout.minutes(lock.seconds_left)}.",
            )
        return response


class PasswordChange(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: forms.PasswordChangeForm) -> HttpResponse:
        # Saves the password and keeps this session signed in (update_session_auth_hash).
        response = super().form_valid(form)
        messages.success(
            self.request,
            services.signed_out_message(revoked_tokens=form.revoked_tokens, this_session_kept=True),
        )
        return response
