from django.urls import include, path

from messaging import simulator, views
from messaging.after_hours import views as after_hours_views

app_name = "messaging"

urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("notifications/", include("messaging.push.urls")),
    path("simulator/", simulator.simulator, name="simulator"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/list/", views.inbox_list, name="inbox_list"),
    path("conversations/<uuid:public_id>/", views.conversation_detail, name="conversation"),
    path(
        "conversations/<uuid:public_id>/timeline/",
        views.conversation_timeline,
        name="timeline",
    ),
    path("conversations/<uuid:public_id>/reply/", views.reply, name="reply"),
    path("conversations/<uuid:public_id>/done/", views.mark_done, name="done"),
    path("conversations/<uuid:public_id>/contact/", views.edit_contact, name="contact"),
    path("quick-replies/", views.quick_replies, name="quick_replies"),
    path("after-hours/", after_hours_views.after_hours, name="after_hours"),
    path("after-hours/prompt/", after_hours_views.answer_prompt, name="after_hours_prompt"),
    path(
        "quick-replies/<int:quick_reply_id>/delete/",
        views.delete_quick_reply,
        name="delete_quick_reply",
    ),
]
