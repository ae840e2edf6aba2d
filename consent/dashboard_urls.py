from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("consent/", views.ledger, name="ledger"),
    path("consent/export.csv", views.ledger_csv, name="ledger_csv"),
    # <path:…>: a number stored before senders were checked may hold "/" and must still
    # have a page (the ledger is append-only, so its rows stay forever).
    path("consent/<path:number>/", views.evidence, name="evidence"),
]
