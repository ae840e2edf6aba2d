"""REST API: a business's calls, with what happened to each and whether it was texted back.

A voicemail is offered as Lasso's own playback URL (a signed-in member of the business can
play it); Twilio's recording URL and SID never appear here.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from calls.models import Call
from calls.selectors import calls_for
from calls.views import voicemail_audio
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
        help_text="The voicemail's audio (MP3, streamed through Lasso), fetched with the same "
        "token as this list; null when the caller left none."
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
        # The list's own business (the view's): no query per call for its slug.
        slug = self.context["view"].business.slug
        return settings.PUBLIC_BASE_URL + reverse(
            "api_v1:call_voicemail", args=[slug, call.public_id]
        )


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


@extend_schema(
    tags=["calls"],
    responses={(200, "audio/mpeg"): OpenApiTypes.BINARY},
)
class CallVoicemail(BusinessScoped, APIView):
    """A call's voicemail as MP3, streamed through Lasso (Twilio's URL is never given out)."""

    def get(self, request: Request, slug: str, call_id: UUID) -> HttpResponse:
        return voicemail_audio(business=self.business, public_id=call_id)
