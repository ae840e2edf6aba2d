from django.urls import path

from messaging import webhooks

urlpatterns = [
    path("incoming/", webhooks.sms_incoming, name="sms-incoming"),
    path("status/", webhooks.sms_status, name="sms-status"),
]
