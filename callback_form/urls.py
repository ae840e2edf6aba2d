from django.urls import path

from callback_form import views

app_name = "callback_form"

urlpatterns = [
    # Public contract: customers link to these form paths from their own websites.
    path("request-callback/", views.request_callback, name="request"),
    path("request-callback/thanks/", views.thanks, name="thanks"),
    path(
        "b/<slug:business_slug>/request-callback/",
        views.request_callback,
        name="business_request",
    ),
    path(
        "b/<slug:business_slug>/request-callback/thanks/",
        views.thanks,
        name="business_thanks",
    ),
    path("app/callbacks/", views.queue, name="queue"),
    path(
        "app/callbacks/<uuid:public_id>/called-back/",
        views.mark_called_back,
        name="mark_called_back",
    ),
]
