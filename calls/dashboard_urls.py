from django.urls import path

from calls import views

app_name = "calls"

urlpatterns = [
    path("calls/", views.call_list, name="list"),
    path("calls/<uuid:public_id>/voicemail/", views.voicemail, name="voicemail"),
]
