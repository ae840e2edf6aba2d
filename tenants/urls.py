from django.urls import include, path

from messaging.views import overview
from tenants import views
from tenants.invitations import views as invitation_views

app_name = "dashboard"

urlpatterns = [
    path("tokens/", include("tenants.token_urls")),
    # The dashboard opens on the overview of the active business.
    path("", overview, name="home"),
    path("switch/", views.switch_business, name="switch"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/preview/", views.settings_preview, name="settings_preview"),
    path("settings/blocked/", views.block_number, name="block_number"),
    path("settings/blocked/remove/", views.unblock_number, name="unblock_number"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.invite_member, name="team_invite"),
    path("team/my-alerts/", views.my_alerts, name="team_my_alerts"),
    path("team/my-alerts/verify/", views.my_alerts_verify, name="team_my_alerts_verify"),
    path("team/my-alerts/new-code/", views.my_alerts_new_code, name="team_my_alerts_new_code"),
    path("invitations/", invitation_views.invitations, name="invitations"),
    # Invitation ids are looked up among the signed-in person's own (or, to withdraw, the
    # active business's): anyone else's is a 404.
    path(
        "invitations/<uuid:invitation_id>/accept/",
        invitation_views.accept_invitation,
        name="invitation_accept",
    ),
    path(
        "invitations/<uuid:invitation_id>/decline/",
        invitation_views.decline_invitation,
        name="invitation_decline",
    ),
    path(
        "team/invitations/<uuid:invitation_id>/withdraw/",
        invitation_views.withdraw_invitation,
        name="invitation_withdraw",
    ),
    # Member ids are looked up within the active business only: another business's is a 404.
    path("team/<uuid:member_id>/role/", views.member_role, name="team_role"),
    path("team/<uuid:member_id>/remove/", views.member_remove, name="team_remove"),
]
