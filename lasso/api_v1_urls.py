"""/api/v1/…: every business's data sits under its slug; each app's api.py holds the views."""

from django.urls import path

from callback_form.api import CallbackRequestCalledBack, CallbackRequestList
from calls.api import CallList, CallVoicemail
from consent.api import ConsentEventList
from messaging.api import ConversationDetail, ConversationList, ConversationMessages
from tenants.api import BusinessList, BusinessSettings, TokenLogin

app_name = "api_v1"

business = "businesses/<slug:slug>/"

urlpatterns = [
    path("auth/token/", TokenLogin.as_view(), name="token"),
    path("businesses/", BusinessList.as_view(), name="businesses"),
    path(business + "settings/", BusinessSettings.as_view(), name="settings"),
    path(business + "calls/", CallList.as_view(), name="calls"),
    path(
        business + "calls/<uuid:call_id>/voicemail/",
        CallVoicemail.as_view(),
        name="call_voicemail",
    ),
    path(business + "conversations/", ConversationList.as_view(), name="conversations"),
    path(
        business + "conversations/<uuid:conversation_id>/",
        ConversationDetail.as_view(),
        name="conversation",
    ),
    path(
        business + "conversations/<uuid:conversation_id>/messages/",
        ConversationMessages.as_view(),
        name="messages",
    ),
    path(business + "callback-requests/", CallbackRequestList.as_view(), name="callback_requests"),
    path(
        business + "callback-requests/<uuid:request_id>/called-back/",
        CallbackRequestCalledBack.as_view(),
        name="called_back",
    ),
    path(business + "consent-events/", ConsentEventList.as_view(), name="consent_events"),
]
