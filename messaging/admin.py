from django.contrib import admin

from messaging.models import Alert, Contact, Conversation, Message


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["phone_number", "name", "business", "created_at"]
    search_fields = ["phone_number", "name", "business__name"]
    raw_id_fields = ["business"]


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["contact", "business", "last_activity_at", "needs_reply", "unread_count"]
    list_filter = ["needs_reply"]
    search_fields = ["contact__phone_number", "contact__name", "business__name"]
    raw_id_fields = ["business", "contact"]
    readonly_fields = ["public_id"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "business",
        "direction",
        "kind",
        "to_number",
        "status",
        "error_code",
    ]
    list_filter = ["direction", "kind", "status"]
    search_fields = ["twilio_sid", "to_number", "from_number", "body", "business__name"]
    raw_id_fields = ["business", "conversation", "call", "in_reply_to", "sent_by"]
    date_hierarchy = "created_at"


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "business", "kind", "summary", "notified_at"]
    list_filter = ["kind"]
    search_fields = ["summary", "business__name"]
    raw_id_fields = ["business", "conversation", "call"]
