"""REST API: a business's calls, with what happened to each and whether it was texted back.

A voicemail is offered as Lasso's own playback URL (a signed-in member of the business can
play it); Twilio's recording URL and SID never appear here.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers

from calls.models import Call
from calls.selectors import calls_for
from tenants.api import BusinessScoped, choice_param


class CallSerializer(serializers.ModelSerializer):
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    skip_reason_display = serializers.CharField(source="get_skip_reason_display", read_only=True)
    # A plain string, not an enum: the values are the message statuses (see Message), and
    # a second enum over the same choices would make the schema name them twice.
    textback_status = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="The text-back's delivery status (a message status); null when no "
        "text-back was made: answered, skipped, or a repeat call within the cooldown.",
    )
    textback_error = serializers.CharField(allow_null=True, read_only=True)
    voicemail_url = serializers.SerializerMethodField(
        help_text="Where a signed-in member of the business can play the voicemail (MP3, "
        "streamed through Lasso); null when the caller left none."
    )

    class Meta:
        model = Call
        fields = [
            "call_sid",
            "from_number",
            "from_raw",
            "to_number",
            "started_at",
            "outcome",
            "outcome_display",
            "outcome_reason",
            "skip_reason",
            "skip_reason_display",
            "is_repeat",
            "dial_duration",
            "forwarded_from",
            "called_via",
            "voicemail_url",
            "voicemail_seconds",
            "voicemail_transcript",
            "textback_status",
            "textback_error",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_voicemail_url(self, call: Call) -> str | None:
        if not call.recording_sid:
            return None
        return settings.PUBLIC_BASE_URL + reverse("calls:voicemail", args=[call.public_id])


@extend_schema(
    tags=["calls"],
    parameters=[
        OpenApiParameter("outcome", str, enum=Call.Outcome.values, description="Only these."),
    ],
)
class CallList(BusinessScoped, generics.ListAPIView):
    """The business's calls, newest first."""

    serializer_class = CallSerializer

    def get_queryset(self) -> QuerySet:
        if self.is_schema_view:
            return Call.objects.none()
        outcome = choice_param(self.request, "outcome", Call.Outcome.values)
        return calls_for(business=self.business, outcome=outcome)
