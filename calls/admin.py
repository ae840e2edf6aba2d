"""Admin for calls. The stored recording URL is Twilio's (older rows may hold anything):
it is shown as plain text, never as a link, and cannot be edited."""

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
    readonly_fields = [
        "public_id",
        "account_sid",
        "forwarded_from",
        "called_via",
        "ended_at",
        "recording_sid",
        "recording_url",
        "voicemail_seconds",
        "voicemail_transcript",
    ]
    date_hierarchy = "started_at"
