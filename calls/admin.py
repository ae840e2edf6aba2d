"""Admin for calls. The stored recording URL is Twilio's (older rows may hold anything):
it is shown as plain text, never as a link, and cannot be edited."""

from django.contrib import admin

from calls.models import Call, NumberSetup, Outage


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


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    """Found by the scheduler and settled from Twilio's records: read-only."""

    list_display = [
        "started_at",
        "ended_at",
        "detected_by",
        "degraded_answers",
        "calls_recorded",
        "reconciled_at",
    ]
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(NumberSetup)
class NumberSetupAdmin(admin.ModelAdmin):
    list_display = ["number", "twilio_sid", "configured_at", "error"]
    readonly_fields = ["number", "twilio_sid", "configured", "configured_at", "error"]
