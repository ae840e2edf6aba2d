"""Forms of the dashboard's Settings and Team pages. They only check input; the writes, and
the same checks again, are in tenants.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from messaging import wording
from tenants import countries, validators
from tenants.models import Business, Membership, TwilioNumber, validate_time_zone


def whole_number(*, low: int, high: int, unit: str, **kwargs: Any) -> forms.IntegerField:
    message = f"Enter a whole number of {unit} from {low} to {high}."
    return forms.IntegerField(
        min_value=low,
        max_value=high,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class SettingsForm(forms.Form):
    name = forms.CharField(
        label="Business name",
        error_messages={"required": "Give the business a name."},
        help_text=f"Callers see it in every text: up to {wording.NAME_MAX} characters, "
        "no links or phone numbers.",
    )
    support_contact = forms.CharField(
        label="Support contact",
        required=False,
        max_length=120,
        help_text="A phone number or email address, given to anyone who texts HELP.",
    )
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        error_messages={"required": "Choose a time zone, e.g. America/Chicago."},
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    qualifying_question = forms.CharField(
        label="Qualifying question",
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=f"One question, up to {wording.QUESTION_MAX} characters, ending with “?”.",
    )
    textback_plain_hyphen = forms.BooleanField(
        label="Use a plain hyphen (-) instead of the dash (—)",
        required=False,
        help_text="The dash is outside GSM-7 and makes every text-back cost more.",
    )
    textback_cooldown_hours = whole_number(
        low=1,
        high=168,
        unit="hours",
        label="Text-back cooldown (hours)",
        help_text="A caller who calls again within this time is not texted again.",
    )
    textback_fresh_minutes = whole_number(
        low=5,
        high=240,
        unit="minutes",
        label="Send a text-back only within (minutes)",
        help_text="If Lasso cannot send the text-back this soon after the call (an outage), "
        "it is not sent late: the caller goes to your callback queue instead.",
    )
    reply_window_days = whole_number(
        low=1,
        high=90,
        unit="days",
        label="Reply window (days)",
        help_text="How long after their last message you may still reply to a caller.",
    )
    texted_countries = forms.CharField(
        label="Countries you text",
        required=False,
        max_length=200,
        help_text="Two-letter country codes, e.g. “US, CA”. Empty: your Lasso number's "
        "country. Callers and callback-form visitors elsewhere get a call, not a text.",
    )
    callback_confirmations_per_day = whole_number(
        low=0,
        high=5000,
        unit="texts",
        label="Callback-form confirmation texts per day",
        help_text="A cap against someone using your form to text strangers. Requests over "
        "it still reach you; only the confirmation text is held back.",
    )
    same_country_only = forms.BooleanField(
        label="Text back only callers from this number's country", required=False
    )
    ring_timeout_seconds = whole_number(
        low=5,
        high=60,
        unit="seconds",
        label="Ring for (seconds)",
        help_text="How long Lasso rings your phone before the call counts as missed.",
    )
    screening_enabled = forms.BooleanField(
        label="Screen forwarded calls (press a key to answer)",
        required=False,
        help_text="So a voicemail picking up never counts as answered.",
    )
    voicemail_enabled = forms.BooleanField(label="Offer missed callers voicemail", required=False)
    current_password = forms.CharField(
        label="Your password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Needed only to change where calls ring (a number's mode or forward-to).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, name in validators.WEEKDAYS:
            time = {"type": "time", "class": "time"}
            self.fields[f"{day}_open"] = forms.CharField(
                label=f"{name} opens", required=False, widget=forms.TextInput(attrs=time)
            )
            self.fields[f"{day}_close"] = forms.CharField(
                label=f"{name} closes", required=False, widget=forms.TextInput(attrs=time)
            )
            self.fields[f"{day}_closed"] = forms.BooleanField(
                label=f"{name} closed", required=False
            )

    @classmethod
    def initial_for(cls, business: Business) -> dict[str, object]:
        initial: dict[str, object] = {
            field: getattr(business, field) for field in cls.base_fields if hasattr(business, field)
        }
        initial["texted_countries"] = ", ".join(business.texted_countries or [])
        hours = business.business_hours or {}
        for day, _ in validators.WEEKDAYS:
            span = hours.get(day)
            if span:
                initial[f"{day}_open"], initial[f"{day}_close"] = span
            initial[f"{day}_closed"] = not span
        return initial

    def hours_rows(self) -> list[dict[str, object]]:
        return [
            {
                "name": name,
                "open": self[f"{day}_open"],
                "close": self[f"{day}_close"],
                "closed": self[f"{day}_closed"],
            }
            for day, name in validators.WEEKDAYS
        ]

    def clean_texted_countries(self) -> list[str]:
        codes = countries.parse_country_list(self.cleaned_data["texted_countries"])
        if problems := countries.country_problems(codes):
            raise ValidationError(problems)
        return codes

    def clean_name(self) -> str:
        name = wording.clean_text(self.cleaned_data["name"])
        if problems := wording.name_problems(name):
            raise ValidationError(problems)
        return name

    def clean_qualifying_question(self) -> str:
        question = wording.clean_text(self.cleaned_data["qualifying_question"])
        if problems := wording.question_problems(question):
            raise ValidationError(problems)
        return question

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"].strip()
        validate_time_zone(zone)
        return zone

    def clean_support_contact(self) -> str:
        return validators.support_contact(self.cleaned_data["support_contact"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hours: dict[str, list[str]] = {}
        for day, name in validators.WEEKDAYS:
            if data.get(f"{day}_closed"):
                continue
            span = []
            for part, word, article in (("open", "opening", "an"), ("close", "closing", "a")):
                field = f"{day}_{part}"
                raw = (data.get(field) or "").strip()
                if not raw:
                    self.add_error(field, f"{name}: give {article} {word} time, or tick Closed.")
                    continue
                try:
                    span.append(validators.hhmm(raw, label=f"{name} {word}"))
                except ValidationError as exc:
                    self.add_error(field, exc)
            if len(span) == 2:
                if span[1] <= span[0]:
                    self.add_error(
                        f"{day}_close",
                        f"{name}: closing time {span[1]} must be after opening time {span[0]}.",
                    )
                else:
                    hours[day] = span
        data["business_hours"] = hours
        return data


class NumberRoutingForm(forms.Form):
    """Mode and forward-to of one Twilio number; the number itself is not editable."""

    mode = forms.ChoiceField(
        label="When a call comes in",
        choices=TwilioNumber.Mode.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose Forward or Missed only."},
    )
    forward_to = forms.CharField(
        label="Forward to",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text="The phone Lasso rings, e.g. +15551230000.",
    )

    routing: tuple[str, object] = ("", None)

    def __init__(self, *args: Any, number: TwilioNumber, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"number-{number.pk}")
        kwargs.setdefault("initial", {"mode": number.mode, "forward_to": number.forward_to or ""})
        super().__init__(*args, **kwargs)
        self.number = number

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "mode" in data:
            try:
                self.routing = validators.number_routing(
                    number=self.number.phone_number,
                    mode=data["mode"],
                    forward_to=data.get("forward_to", ""),
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        return data

    def changes_routing(self) -> bool:
        """Whether this submission would change where the number's calls ring. A submission
        that does not validate counts as a change when it differs from what is stored."""
        stored_forward = str(self.number.forward_to or "")
        if self.is_valid():
            mode, forward = self.routing
            return mode != self.number.mode or str(forward or "") != stored_forward
        mode = self.data.get(self.add_prefix("mode"), self.number.mode)
        forward = (self.data.get(self.add_prefix("forward_to")) or "").strip()
        return mode != self.number.mode or forward != stored_forward


class BlockNumberForm(forms.Form):
    phone_number = forms.CharField(
        label="Number to block",
        max_length=32,
        error_messages={"required": "Enter the number to block, e.g. +15551230000."},
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=120, help_text="e.g. “Supplier”"
    )

    def clean_phone_number(self) -> str:
        return str(
            validators.phone_number(self.cleaned_data["phone_number"], label="Number to block")
        )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        error_messages={
            "required": "Enter their email address, e.g. sam@example.com.",
            "invalid": "That is not an email address; e.g. sam@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        initial=Membership.Role.STAFF,
        error_messages={"invalid_choice": "Choose Owner or Staff."},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        error_messages={"invalid_choice": "Choose Owner or Staff."},
    )
