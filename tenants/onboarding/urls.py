from django.urls import path

from tenants.onboarding import views

app_name = "onboarding"

urlpatterns = [
    # Public contract: /signup/ (ARCHITECTURE.md); the verification link is in emails.
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/verify/<str:token>/", views.verify, name="verify"),
    path("app/onboarding/", views.start, name="start"),
    path("app/onboarding/time-zone/", views.time_zone, name="time_zone"),
    path("app/onboarding/phone/", views.phone, name="phone"),
    path("app/onboarding/question/", views.question, name="question"),
    path("app/onboarding/question/preview/", views.preview, name="preview"),
    path("app/onboarding/number/", views.number, name="number"),
    path("app/onboarding/test-call/", views.test_call, name="test_call"),
    path("app/onboarding/test-call/progress/", views.test_call_progress, name="progress"),
    path("app/onboarding/finish/", views.finish, name="finish"),
    path("app/number-check/", views.number_check, name="number_check"),
    path("app/number-check/fix/", views.number_fix, name="number_fix"),
]
