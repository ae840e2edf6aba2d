from django.urls import path

from messaging import simulator, views

app_name = "messaging"

urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("simulator/", simulator.simulator, name="simulator"),
    path("inbox/", views.inbox, name="inbox"),
    path("conversations/<uuid:public_id>/", views.conversation_detail, name="conversation"),
    path(
        "conversations/<uuid:public_id>/timeline/",
        views.conversation_timeline,
        name="timeline",
    ),
    path("conversations/<uuid:public_id>/reply/", views.reply, name="reply"),
    path("conversations/<uuid:public_id>/done/", views.mark_done, name="done"),
]
