from django.urls import path

from callback_form import pages

app_name = "public"

# Public contract: carriers' reviewers and our own disclosures link to these exact paths.
urlpatterns = [
    path("sms-consent/", pages.sms_consent, name="sms_consent"),
    path("privacy/", pages.privacy, name="privacy"),
    path("terms/", pages.terms, name="terms"),
    path("mobile-terms/", pages.mobile_terms, name="mobile_terms"),
]
