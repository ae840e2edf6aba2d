from django.urls import path

from consent.registration import views

app_name = "registration"

urlpatterns = [
    path("", views.registration, name="home"),
    path("print/", views.printable, name="print"),
    path("submit/", views.submit, name="submit"),
]
