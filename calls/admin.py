from django.contrib import admin

from calls.models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = [
        "call_sid",
        "business",
        "from_raw",
        "to_number",
        "outcome",
        "skip_reason",
        "started_at",
    ]
    list_filter = ["outcome", "skip_reason", "mode"]
    search_fields = ["call_sid", "from_raw", "from_number", "to_number", "business__name"]
    raw_id_fields = ["business", "twilio_number"]
    date_hierarchy = "started_at"
