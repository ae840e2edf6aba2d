"""The sign-up page's and the wizard's forms. They check input only; the writes, and the
rules that matter, are in tenants.onboarding.services."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from messaging import wording
from tenants.models import TwilioNumber, User


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone by region (America/…, Europe/…), the US ones first: a list to pick
    from, not free text."""
    zones = sorted(
        zone
        for zone in zoneinfo.available_timezones()
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    us = [zone for zone in zones if zone.startswith("US/")]
    rest = [zone for zone in zones if not zone.startswith("US/")]
    return [(zone, zone.replace("_", " ")) for zone in rest + us]


class SignupForm(forms.Form):
    business_name = forms.CharField(
        label="Business name", max_length=wording.NAME_MAX, help_text="Callers see it in texts."
    )
    full_name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(label="Email", max_length=254)
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    # Bots fill every field; people never see this one.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1"}))

    def clean_business_name(self) -> str:
        name = wording.clean_text(self.cleaned_data["business_name"])
        if problems := wording.name_problems(name):
            raise ValidationError(problems)
        return name

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            draft = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, user=draft)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label="Time zone", choices=time_zone_choices)


class PhoneForm(forms.Form):
    mode = forms.ChoiceField(
        label="How calls reach you",
        choices=TwilioNumber.Mode.choices,
        widget=forms.RadioSelect,
    )
    forward_to = forms.CharField(label="The phone that should ring", required=False, max_length=32)


class QuestionForm(forms.Form):
    qualifying_question = forms.CharField(
        label="The question in the text-back", max_length=300, widget=forms.TextInput()
    )


class SearchForm(forms.Form):
    area_code = forms.CharField(label="Area code", required=False, max_length=3)
    city = forms.CharField(label="or city", required=False, max_length=60)


class BuyForm(forms.Form):
    phone_number = forms.RegexField(regex=r"^\+1\d{10}$", max_length=12)


class MoveForm(forms.Form):
    phone_number = forms.CharField(label="A number Lasso's Twilio account owns", max_length=32)
