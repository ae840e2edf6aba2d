from django.contrib import admin
from django.http import HttpRequest

from callback_form.models import CallbackRequest


@admin.register(CallbackRequest)
class CallbackRequestAdmin(admin.ModelAdmin):
    list_display = ["name", "phone_number", "business", "sms_consent", "status", "created_at"]
    list_filter = ["status", "sms_consent"]
    search_fields = ["name", "phone_number", "business__name"]
    raw_id_fields = ["business", "called_back_by"]
    list_select_related = ["business"]
    date_hierarchy = "created_at"
    # What the person submitted, and the evidence of their consent, is a record: only the
    # follow-up (status) is the team's to change.
    readonly_fields = [
        "business",
        "public_id",
        "name",
        "phone_number",
        "details",
        "preferred_time",
        "sms_consent",
        "disclosure_text",
        "disclosure_version",
        "ip_address",
        "user_agent",
        "page_url",
        "created_at",
        "processed_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A request typed in here would have no consent evidence behind it.
        return False
