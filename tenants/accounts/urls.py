"""/accounts/… (names outside any namespace, as Django's auth views expect them)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from tenants.accounts import views
from tenants.invitations.views import InvitationSetPassword

urlpatterns = [
    path("password-reset/", views.password_reset, name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # An invited newcomer chooses a password and joins (tenants.invitations).
    path(
        "invitation/<uidb64>/<token>/",
        InvitationSetPassword.as_view(),
        name="invitation_set_password",
    ),
    path("password-change/", views.PasswordChange.as_view(), name="password_change"),
    path(
        "password-change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
