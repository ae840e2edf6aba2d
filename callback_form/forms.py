from __future__ import annotations

import phonenumbers
from django import forms

from callback_form.models import DETAILS_MAX_LENGTH, NAME_MAX_LENGTH, PREFERRED_TIME_MAX_LENGTH

PHONE_INPUT_MAX_LENGTH = 32
INVALID_NUMBER_MESSAGE = (
    "That doesn't look like a mobile number we can call. Please check it and include the "
    "area code, e.g. (415) 555-0132, or +44 7911 123456 outside the US."
)


def _never_checked(value: object) -> bool:
    return False


class CallbackRequestForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone_number = forms.CharField(
        label="Mobile number",
        max_length=PHONE_INPUT_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    details = forms.CharField(
        label="What is it about?",
        max_length=DETAILS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_time = forms.CharField(
        label="Best time to call",
        max_length=PREFERRED_TIME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. weekday mornings"}),
    )
    # Consent must be a fresh, deliberate tick: the box renders unchecked every time, even
    # when the form comes back with an error after the person had ticked it.
    sms_consent = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(check_test=_never_checked)
    )
    # The honeypot: hidden from people, filled in by bots that fill in everything.
    website = forms.CharField(
        required=False,
        max_length=200,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_phone_number(self) -> str:
        raw = self.cleaned_data["phone_number"]
        try:
            number = phonenumbers.parse(raw, "US")
        except phonenumbers.NumberParseException:
            raise forms.ValidationError(INVALID_NUMBER_MESSAGE, code="invalid") from None
        if not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(INVALID_NUMBER_MESSAGE, code="invalid")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())
