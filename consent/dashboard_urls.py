from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("consent/", views.ledger, name="ledger"),
    path("consent/export.csv", views.ledger_csv, name="ledger_csv"),
    path("consent/<str:number>/", views.evidence, name="evidence"),
]
