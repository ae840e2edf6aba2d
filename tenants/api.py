"""REST API: tokens for a password, the user's businesses, a business's settings, and the
base every /api/v1/businesses/<slug>/… view builds on (membership, pagination, filters)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from lasso.client_address import client_ip
from messaging import wording
from messaging.encoding import clean_body, segment_info
from messaging.texts import textback
from tenants import countries, tokens
from tenants.accounts import lockout
from tenants.models import Business, Membership, TwilioNumber
from tenants.selectors import membership_for, memberships_for_user
from tenants.services import update_business_settings


# --- shared by every app's api.py -------------------------------------------------------------
class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class DetailSerializer(serializers.Serializer):
    """An error a person can read: `{"detail": "…"}`."""

    detail = serializers.CharField()


class BusinessScoped:
    """For views under /api/v1/businesses/<slug>/: after authentication, sets
    `self.membership` and `self.business`. An outsider gets 404 (as for a business that does
    not exist); staff get 403 on the methods listed in `owner_only_methods`."""

    owner_only_methods: Iterable[str] = ()
    pagination_class = Pagination
    membership: Membership
    business: Business

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        self.membership = membership_for(
            user=request.user,
            business_slug=kwargs["slug"],
            owner_only=request.method in self.owner_only_methods,
        )
        self.business = self.membership.business

    @property
    def is_schema_view(self) -> bool:
        """drf-spectacular inspects views without a request's business."""
        return getattr(self, "swagger_fake_view", False)


def choice_param(request: Request, name: str, choices: Iterable[str], default: str = "") -> str:
    """A query parameter that must be one of `choices`; anything else is a 400 naming them."""
    value = request.query_params.get(name, default)
    allowed = list(choices)
    if value not in allowed and value != default:
        raise ValidationError({name: [f"Use one of: {', '.join(c for c in allowed if c)}."]})
    return value


# --- POST /api/v1/auth/token/ -------------------------------------------------------------------
class TokenLoginIpThrottle(AnonRateThrottle):
    """Password guessing from one address: the client address as every limit finds it
    (lasso.client_address), so a forged X-Forwarded-For never opens a fresh bucket."""

    scope = "api_token_login_ip"
    rate = "10/min"

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or "unknown"


class TokenLoginEmailThrottle(SimpleRateThrottle):
    """Password guessing against one account, from however many addresses."""

    scope = "api_token_login_email"
    rate = "5/min"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = tokens.hash_key(email.strip().lower())
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=tokens.NAME_MAX_LENGTH,
        required=False,
        default="API token",
        help_text="What the token is for, to tell your tokens apart.",
    )


class NewTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key. It is shown only this once.")
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()


WRONG_CREDENTIALS = "Wrong email or password (or the account is deactivated)."


class TokenLogin(APIView):
    """Exchange an email and password for a new personal API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenLoginIpThrottle, TokenLoginEmailThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: NewTokenSerializer,
            400: DetailSerializer,
            429: OpenApiResponse(
                DetailSerializer,
                description="Too many requests, or too many failed sign-ins for this account "
                "or from this address: `detail` says when to try again, as does Retry-After "
                "(seconds).",
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=form.validated_data["email"].strip().lower(),
            password=form.validated_data["password"],
        )
        if user is None:
            # authenticate() with the request lets django-axes count the failure and refuse
            # a locked account or address (tenants.accounts.lockout).
            if getattr(request._request, "axes_locked_out", False):
                return self._locked_out(request, email=form.validated_data["email"])
            return Response({"detail": WRONG_CREDENTIALS}, status=status.HTTP_400_BAD_REQUEST)
        try:
            new = tokens.create_token(user=user, name=form.validated_data["name"])
        except tokens.TokenError as exc:
            raise ValidationError({"name": [str(exc)]}) from exc
        body = NewTokenSerializer(
            {
                "token": new.key,
                "name": new.token.name,
                "prefix": new.token.prefix,
                "created_at": new.token.created_at,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    def _locked_out(self, request: Request, *, email: str) -> Response:
        lock = lockout.lock_for_request(request._request, {"email": email})
        seconds = lock.seconds_left if lock else int(settings.AXES_COOLOFF_TIME.total_seconds())
        return Response(
            {"detail": lockout.locked_message(seconds)},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(seconds)},
        )


# --- GET /api/v1/businesses/ --------------------------------------------------------------------
class MembershipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="business.public_id")
    slug = serializers.CharField(source="business.slug")
    name = serializers.CharField(source="business.name")
    time_zone = serializers.CharField(source="business.time_zone")
    role = serializers.ChoiceField(choices=Membership.Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "slug", "name", "time_zone", "role"]


@extend_schema(tags=["businesses"])
class BusinessList(generics.ListAPIView):
    """The businesses you are a member of, and your role in each."""

    serializer_class = MembershipSerializer
    pagination_class = Pagination

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return memberships_for_user(user=self.request.user).order_by("business__name", "pk")


# --- GET/PATCH /api/v1/businesses/<slug>/settings/ ----------------------------------------------
SETTINGS_FIELDS = [
    "name",
    "qualifying_question",
    "ring_timeout_seconds",
    "screening_enabled",
    "textback_cooldown_hours",
    "textback_fresh_minutes",
    "reply_window_days",
    "same_country_only",
    "texted_countries",
    "callback_confirmations_per_day",
    "support_contact",
    "time_zone",
    "voicemail_enabled",
    "textback_plain_hyphen",
]


class NumberSerializer(serializers.ModelSerializer):
    class Meta:
        model = TwilioNumber
        fields = ["phone_number", "mode", "forward_to"]
        extra_kwargs = {
            "forward_to": {
                "help_text": "The phone Lasso rings. Read-only in the API: it is changed "
                "only on the dashboard, with your password."
            },
        }


# Where a business's calls ring is changed only on the dashboard, which asks for the owner's
# password in the same submission. A token request cannot do that (and accepting a password
# here would turn a stolen token into a password-guessing tool), so a token alone must
# never be able to redirect a business's calls.
ROUTING_FIELDS = frozenset({"numbers", "mode", "forward_to"})
ROUTING_OVER_API = (
    "Where calls ring (a number's mode or forward-to) cannot be changed over the API. "
    "Change it on the dashboard's Settings page, which asks for your password."
)


class PreviewSerializer(serializers.Serializer):
    text = serializers.CharField()
    encoding = serializers.ChoiceField(choices=["GSM-7", "UCS-2"])
    characters = serializers.IntegerField(help_text="Units in that encoding.")
    segments = serializers.IntegerField(help_text="SMS segments each text-back costs.")


class BusinessSettingsSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        help_text=f"Goes into every text-back: up to {wording.NAME_MAX} characters, printable, "
        "on one line, with no links, email addresses or phone numbers."
    )
    numbers = NumberSerializer(
        many=True,
        read_only=True,
        help_text="Read-only: a PATCH that names numbers, mode or forward_to is a 403. "
        "Change where calls ring on the dashboard's Settings page (it asks for your password).",
    )
    textback_preview = serializers.SerializerMethodField()

    class Meta:
        model = Business
        fields = ["slug", *SETTINGS_FIELDS, "numbers", "textback_preview"]
        read_only_fields = ["slug"]

    texted_countries = serializers.ListField(
        child=serializers.CharField(max_length=2, min_length=2),
        max_length=50,
        required=False,
        help_text='ISO country codes the business texts, e.g. ["US", "CA"]; empty: its '
        "Lasso number's country.",
    )

    def validate_texted_countries(self, value: list[str]) -> list[str]:
        codes = countries.parse_country_list(",".join(value))
        if problems := countries.country_problems(codes):
            raise serializers.ValidationError(problems)
        return codes

    def validate_name(self, value: str) -> str:
        value = wording.clean_text(value)
        if problems := wording.name_problems(value):
            raise serializers.ValidationError(problems)
        return value

    def validate_qualifying_question(self, value: str) -> str:
        value = wording.clean_text(value)
        if problems := wording.question_problems(value):
            raise serializers.ValidationError(problems)
        return value

    @extend_schema_field(PreviewSerializer)
    def get_textback_preview(self, business: Business) -> dict[str, object]:
        return textback_preview(business)


def textback_preview(business: Business) -> dict[str, object]:
    """The text-back exactly as it would be sent now, and what it costs."""
    text = clean_body(textback(business))
    info = segment_info(text)
    return {
        "text": text,
        "encoding": info.encoding,
        "characters": info.units,
        "segments": info.segments,
    }


@extend_schema(tags=["settings"])
class BusinessSettings(BusinessScoped, generics.GenericAPIView):
    """The business's settings, with the text-back preview. Members read; owners update."""

    serializer_class = BusinessSettingsSerializer
    owner_only_methods = ("PATCH",)

    def get(self, request: Request, slug: str) -> Response:
        return Response(self._serialize())

    @extend_schema(
        description="Change any of the settings sent; the others stay as they are. Where "
        "calls ring (`numbers`, a number's `mode` or `forward_to`) is not changed here: a "
        "PATCH naming any of them is refused with 403 and changes nothing. Change it on the "
        "dashboard's Settings page, which asks for your password, so that an API token "
        "alone can never redirect a business's calls.",
        responses={
            200: BusinessSettingsSerializer,
            400: OpenApiResponse(description='Field errors, e.g. {"qualifying_question": [...]}'),
            403: OpenApiResponse(
                DetailSerializer,
                description="Staff (only owners change settings), or a change to where "
                "calls ring, which the API never makes.",
            ),
        },
    )
    def patch(self, request: Request, slug: str) -> Response:
        if isinstance(request.data, dict) and ROUTING_FIELDS & set(request.data):
            raise PermissionDenied(ROUTING_OVER_API)
        form = self.get_serializer(self.business, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        # The same service as the dashboard's settings page: one set of rules for both.
        try:
            self.business = update_business_settings(
                business=self.business, **dict(form.validated_data)
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(self._serialize())

    def _serialize(self) -> dict[str, Any]:
        return self.get_serializer(self.business).data
