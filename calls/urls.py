from django.urls import path

from calls import webhooks

urlpatterns = [
    path("incoming/", webhooks.incoming, name="voice-incoming"),
    path("screen/", webhooks.screen, name="voice-screen"),
    path("dial-complete/", webhooks.dial_complete, name="voice-dial-complete"),
    path("status/", webhooks.status, name="voice-status"),
    path("recorded/", webhooks.recorded, name="voice-recorded"),
    path("recording-status/", webhooks.recording_status, name="voice-recording-status"),
    path("transcribed/", webhooks.transcribed, name="voice-transcribed"),
    path("fallback/", webhooks.fallback, name="voice-fallback"),
]
