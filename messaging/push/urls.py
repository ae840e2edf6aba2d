from django.urls import path

from messaging.push import views

app_name = "push"

urlpatterns = [
    path("", views.devices, name="devices"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path("sw.js", views.service_worker, name="service_worker"),
]
