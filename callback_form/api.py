"""REST API: a business's callback requests, and marking one called back."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from callback_form.models import CallbackRequest
from callback_form.selectors import callback_queue, callback_request_for
from callback_form.services import mark_called_back
from tenants.api import BusinessScoped, choice_param


class CallbackRequestSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    phone_number = serializers.CharField(read_only=True)
    called_back_by = serializers.EmailField(
        source="called_back_by.email", read_only=True, allow_null=True
    )

    class Meta:
        model = CallbackRequest
        fields = [
            "id",
            "source",
            "name",
            "phone_number",
            "details",
            "preferred_time",
            "sms_consent",
            "created_at",
            "status",
            "called_back_at",
            "called_back_by",
        ]
        read_only_fields = fields


@extend_schema(
    tags=["callback requests"],
    parameters=[OpenApiParameter("status", str, enum=CallbackRequest.Status.values)],
)
class CallbackRequestList(BusinessScoped, generics.ListAPIView):
    """The business's callback requests, newest first."""

    serializer_class = CallbackRequestSerializer

    def get_queryset(self) -> QuerySet:
        if self.is_schema_view:
            return CallbackRequest.objects.none()
        requests = callback_queue(business=self.business)
        wanted = choice_param(self.request, "status", CallbackRequest.Status.values)
        return requests.filter(status=wanted) if wanted else requests


@extend_schema(tags=["callback requests"], request=None)
class CallbackRequestCalledBack(BusinessScoped, generics.GenericAPIView):
    """Mark a request called back. Repeating it changes nothing: the first person who
    marked it stays recorded."""

    serializer_class = CallbackRequestSerializer

    def post(self, request: Request, slug: str, request_id: str) -> Response:
        callback_request = callback_request_for(business=self.business, public_id=request_id)
        mark_called_back(
            business=self.business, callback_request=callback_request, user=request.user
        )
        callback_request = callback_queue(business=self.business).get(pk=callback_request.pk)
        return Response(self.get_serializer(callback_request).data)
