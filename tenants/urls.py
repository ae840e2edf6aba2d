from django.urls import path

from tenants import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("switch/", views.switch_business, name="switch"),
]
