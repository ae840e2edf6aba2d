"""REST API: the consent ledger, read-only (it is append-only everywhere)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from consent.models import ConsentEvent
from consent.selectors import events_for
from tenants.api import BusinessScoped
from tenants.services import BusinessSetupError, parse_e164


class ConsentEventSerializer(serializers.ModelSerializer):
    phone_number = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    # Empty for every event but a web form's: a plain string, since "" is not a URI.
    page_url = serializers.CharField(
        read_only=True, help_text="The page the consent was given on; empty when not on the web."
    )

    class Meta:
        model = ConsentEvent
        # source_ref is left out: for the callback form it is an internal row id.
        fields = [
            "phone_number",
            "kind",
            "kind_display",
            "channel",
            "words",
            "disclosure_text",
            "disclosure_version",
            "ip_address",
            "user_agent",
            "page_url",
            "occurred_at",
            "recorded_at",
        ]
        read_only_fields = fields


@extend_schema(
    tags=["consent"],
    parameters=[
        OpenApiParameter(
            "phone_number", str, description="Only this number's events (E.164, e.g. +12125550199)."
        )
    ],
)
class ConsentEventList(BusinessScoped, generics.ListAPIView):
    """The business's consent ledger, newest first: who may be texted, and the evidence."""

    serializer_class = ConsentEventSerializer

    def get_queryset(self) -> QuerySet:
        if self.is_schema_view:
            return ConsentEvent.objects.none()
        raw = self.request.query_params.get("phone_number", "").strip()
        if raw:
            try:
                number = parse_e164(raw, field="phone_number")
            except BusinessSetupError as exc:
                raise ValidationError({"phone_number": [str(exc)]}) from exc
            events = events_for(business=self.business, phone_number=str(number))
        else:
            events = ConsentEvent.objects.filter(business=self.business)
        return events.order_by("-occurred_at", "-id")
