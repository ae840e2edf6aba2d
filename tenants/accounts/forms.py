"""Django's password forms, each revoking the user's API tokens when it sets a password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms

from tenants.accounts.services import revoke_credentials


class RevokesCredentials:
    """Mixed into a form whose save() sets `self.user`'s password."""

    revoked_tokens = 0
    user: Any

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit)  # type: ignore[misc]
        if commit:
            self.revoked_tokens = revoke_credentials(user=user)
        return user


class SetPasswordForm(RevokesCredentials, auth_forms.SetPasswordForm):
    """The reset link's "choose a new password"."""


class PasswordChangeForm(RevokesCredentials, auth_forms.PasswordChangeForm):
    """The signed-in "change your password"."""


class AdminPasswordChangeForm(RevokesCredentials, auth_forms.AdminPasswordChangeForm):
    """An admin setting someone's password."""


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={
            "required": "Enter the email address you sign in with.",
            "invalid": "That is not an email address; e.g. sam@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
