"""The owner's brand facts form: everything a reviewer asks that Lasso cannot know."""

from __future__ import annotations

from django import forms

from consent.registration.models import CarrierRegistration
from consent.registration.services import BRAND_FIELDS


class BrandForm(forms.ModelForm):
    class Meta:
        model = CarrierRegistration
        fields = BRAND_FIELDS
