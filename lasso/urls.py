from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from lasso.health import healthz

urlpatterns = [
    # Twilio's webhooks first: Django tries the patterns in order, and these are most of the
    # requests (no other pattern starts with webhooks/).
    path("webhooks/twilio/voice/", include("calls.urls")),
    path("webhooks/twilio/sms/", include("messaging.webhook_urls")),
    path("", RedirectView.as_view(url="/app/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset and change: tenants.accounts (rate limits, token revocation).
    path("accounts/", include("tenants.accounts.urls")),
    # Sign-up and the onboarding wizard: /signup/…, /app/onboarding/…
    path("", include("tenants.onboarding.urls")),
    path("app/registration/", include("consent.registration.urls")),
    path("app/", include("tenants.urls")),
    path("app/", include("messaging.dashboard_urls")),
    path("app/", include("calls.dashboard_urls")),
    path("app/", include("consent.dashboard_urls")),
    path("api/", include("lasso.api_urls")),
    path("", include("callback_form.urls")),
    path("", include("callback_form.public_urls")),
]
