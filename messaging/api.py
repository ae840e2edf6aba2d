"""REST API: conversations, their messages, and replies.

A reply goes through messaging.services.send_reply, like the dashboard's: the reply rule
(the person texted in recently and has not opted out) decides, and a refusal is a 409 with
the reason. There is deliberately no way to start a conversation, send to a number, or send
to many: Lasso only answers people who contacted the business.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from consent.selectors import OPT_OUT_KINDS
from messaging.models import Conversation, Message
from messaging.selectors import InboxFilter, conversation_for, inbox, messages_for
from messaging.services import ReplyRefused, reply_permission, send_reply
from tenants.api import BusinessScoped, DetailSerializer, choice_param

REPLY_MAX_LENGTH = 1600


class ConversationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    contact_number = serializers.CharField(source="contact.phone_number", read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    opted_out = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "contact_number",
            "contact_name",
            "business_number",
            "last_activity_at",
            "last_inbound_at",
            "last_textback_at",
            "unread_count",
            "needs_reply",
            "repeat_calls",
            "opted_out",
            "possible_opt_out",
        ]
        read_only_fields = fields

    def get_opted_out(self, conversation: Conversation) -> bool:
        # The conversation's copy of the ledger's latest STOP/START (messaging.consent_state).
        return conversation.consent_state in OPT_OUT_KINDS


class ConversationDetailSerializer(ConversationSerializer):
    can_reply = serializers.SerializerMethodField()
    reply_blocked_reason = serializers.SerializerMethodField()

    class Meta(ConversationSerializer.Meta):
        fields = [*ConversationSerializer.Meta.fields, "can_reply", "reply_blocked_reason"]
        read_only_fields = fields

    def get_can_reply(self, conversation: Conversation) -> bool:
        return self.context["permission"].allowed

    def get_reply_blocked_reason(self, conversation: Conversation) -> str | None:
        permission = self.context["permission"]
        return None if permission.allowed else permission.reason


class MessageSerializer(serializers.ModelSerializer):
    sent_by = serializers.EmailField(source="sent_by.email", read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "direction",
            "kind",
            "body",
            "media_count",
            "from_number",
            "to_number",
            "status",
            "error_code",
            "error_message",
            "segments",
            "encoding",
            "twilio_sid",
            "sent_by",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=REPLY_MAX_LENGTH)


@extend_schema(
    tags=["conversations"],
    parameters=[
        OpenApiParameter(
            "show",
            str,
            enum=[f.value for f in InboxFilter],
            default=InboxFilter.ALL.value,
            description="needs-reply: waiting for the team (opted-out excluded); "
            "opted-out: numbers that sent STOP.",
        )
    ],
)
class ConversationList(BusinessScoped, generics.ListAPIView):
    """The business's conversations, most recent activity first."""

    serializer_class = ConversationSerializer

    def get_queryset(self) -> QuerySet:
        if self.is_schema_view:
            return Conversation.objects.none()
        show = choice_param(
            self.request, "show", [f.value for f in InboxFilter], default=InboxFilter.ALL
        )
        return inbox(business=self.business, show=show)


@extend_schema(tags=["conversations"])
class ConversationDetail(BusinessScoped, generics.GenericAPIView):
    """One conversation, and whether the team may reply now (and if not, why)."""

    serializer_class = ConversationDetailSerializer

    def get(self, request: Request, slug: str, conversation_id: str) -> Response:
        conversation = conversation_for(business=self.business, public_id=conversation_id)
        permission = reply_permission(business=self.business, conversation=conversation)
        context = {**self.get_serializer_context(), "permission": permission}
        return Response(ConversationDetailSerializer(conversation, context=context).data)


@extend_schema(tags=["conversations"])
class ConversationMessages(BusinessScoped, generics.ListAPIView):
    """A conversation's messages, oldest first; POST a reply."""

    serializer_class = MessageSerializer

    def get_queryset(self) -> QuerySet:
        if self.is_schema_view:
            return Message.objects.none()
        return messages_for(business=self.business, conversation=self.conversation()).order_by(
            "created_at", "id"
        )

    def conversation(self) -> Conversation:
        return conversation_for(business=self.business, public_id=self.kwargs["conversation_id"])

    @extend_schema(
        request=ReplySerializer,
        responses={
            201: MessageSerializer,
            400: OpenApiResponse(description='The body is missing or too long: {"body": [...]}'),
            409: OpenApiResponse(
                DetailSerializer,
                description="The reply rule forbids it (the person never texted, opted out, "
                "or the reply window closed); `detail` says why.",
            ),
        },
    )
    def post(self, request: Request, slug: str, conversation_id: str) -> Response:
        form = ReplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        conversation = self.conversation()
        try:
            message = send_reply(
                business=self.business,
                conversation=conversation,
                body=form.validated_data["body"],
                sent_by=request.user,
            )
        except ReplyRefused as exc:
            return Response({"detail": exc.reason}, status=status.HTTP_409_CONFLICT)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
