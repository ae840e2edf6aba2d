"""The dashboard's home, business switcher, Settings and Team pages."""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass
from functools import cache

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from messaging import wording
from messaging.encoding import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENDED,
    SegmentInfo,
    clean_body,
    segment_info,
)
from messaging.texts import textback
from tenants import services
from tenants.accounts import rate_limit
from tenants.accounts.services import PASSWORD_RECHECK
from tenants.dashboard import SESSION_KEY, business_view
from tenants.forms import (
    BlockNumberForm,
    InviteForm,
    NumberRoutingForm,
    RoleForm,
    SettingsForm,
    add_service_errors,
)
from tenants.invitations import services as invitations
from tenants.invitations.selectors import open_invitations, pending_for_business
from tenants.models import Business, Membership, TwilioNumber
from tenants.selectors import members_of, membership_for
from tenants.verification import services as verification

MY_ALERTS = "/app/team/#my-alerts"


@require_POST
@business_view()
def switch_business(request: HttpRequest) -> HttpResponse:
    # Only a business the user belongs to can become active: an outsider's slug is a 404.
    membership = membership_for(user=request.user, business_slug=request.POST.get("business", ""))
    request.session[SESSION_KEY] = membership.business.slug
    return redirect("dashboard:home")


# --- Settings ------------------------------------------------------------------------------


@cache
def time_zone_names() -> list[str]:
    # Region/City names only: the legacy aliases (US/Eastern, Canada/…) still validate.
    regions = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia")
    regions += ("Europe", "Indian", "Pacific")
    return sorted(z for z in zoneinfo.available_timezones() if z.split("/")[0] in regions)


@dataclass(frozen=True)
class TextbackVariant:
    label: str
    text: str
    info: SegmentInfo
    in_use: bool
    # The characters that push the text out of GSM-7, so the owner knows what to change.
    outside_gsm: list[str]

    @property
    def one_gsm_segment(self) -> bool:
        return self.info.encoding == GSM7 and self.info.segments == 1


def textback_preview(
    *, business: Business, name: str, question: str, plain_hyphen: bool
) -> dict[str, object]:
    """The text-back exactly as it would be sent (both dash variants), for the live preview."""
    question = wording.clean_text(question)
    name = wording.clean_text(name)
    draft = Business(name=name or business.name, qualifying_question=question)
    variants = []
    for plain, label in ((False, "With the dash (—)"), (True, "With a plain hyphen (-)")):
        text = clean_body(textback(draft, question=question or "…", plain=plain))
        outside = sorted({ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED})
        variants.append(
            TextbackVariant(
                label=label,
                text=text,
                info=segment_info(text),
                in_use=plain == plain_hyphen,
                outside_gsm=outside,
            )
        )
    return {
        "question_length": len(question),
        "question_max": wording.QUESTION_MAX,
        "problems": [f"Business name: {p}" for p in wording.name_problems(name) if name]
        + wording.question_problems(question),
        "variants": sorted(variants, key=lambda v: not v.in_use),
    }


def _number_forms(
    business: Business, data: object | None = None
) -> list[tuple[TwilioNumber, NumberRoutingForm]]:
    return [
        (number, NumberRoutingForm(data, number=number))
        for number in TwilioNumber.objects.filter(business=business).order_by("phone_number")
    ]


def _render_settings(
    request: HttpRequest,
    *,
    form: SettingsForm | None = None,
    number_forms: list[tuple[TwilioNumber, NumberRoutingForm]] | None = None,
    block_form: BlockNumberForm | None = None,
) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    form = form or SettingsForm(initial=SettingsForm.initial_for(business))
    number_forms = number_forms if number_forms is not None else _number_forms(business)
    question = form["qualifying_question"].value() or ""
    name = form["name"].value() or ""
    context = {
        "form": form,
        "number_forms": number_forms,
        "has_errors": bool(form.errors) or any(f.errors for _, f in number_forms),
        "block_form": block_form or BlockNumberForm(),
        "blocked": business.blocked.order_by("phone_number"),
        "time_zones": time_zone_names(),
        "preview": textback_preview(
            business=business,
            name=str(name),
            question=str(question),
            plain_hyphen=bool(form["textback_plain_hyphen"].value()),
        ),
    }
    return render(request, "tenants/settings.html", context)


@require_http_methods(["GET", "POST"])
@business_view(owner_only=True)
def settings_page(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    if request.method != "POST":
        return _render_settings(request)
    form = SettingsForm(request.POST)
    number_forms = _number_forms(business, request.POST)
    # Check every form (no short-circuit), so the page shows every problem at once.
    numbers_valid = [f.is_valid() for _, f in number_forms]
    form.is_valid()
    password_confirmed = False
    if any(f.changes_routing() for _, f in number_forms):
        password_confirmed = _confirm_password(request, form)
    if form.is_valid() and all(numbers_valid):
        data = form.cleaned_data
        try:
            services.update_business_settings(
                business=business,
                name=data["name"],
                qualifying_question=data["qualifying_question"],
                textback_plain_hyphen=data["textback_plain_hyphen"],
                ring_timeout_seconds=data["ring_timeout_seconds"],
                screening_enabled=data["screening_enabled"],
                voicemail_enabled=data["voicemail_enabled"],
                textback_cooldown_hours=data["textback_cooldown_hours"],
                textback_fresh_minutes=data["textback_fresh_minutes"],
                reply_window_days=data["reply_window_days"],
                same_country_only=data["same_country_only"],
                texted_countries=data["texted_countries"],
                callback_confirmations_per_day=data["callback_confirmations_per_day"],
                time_zone=data["time_zone"],
                business_hours=data["business_hours"],
                support_contact=data["support_contact"],
                routing=[
                    services.NumberRouting(
                        number_id=number.pk,
                        mode=f.cleaned_data["mode"],
                        forward_to=f.cleaned_data["forward_to"],
                    )
                    for number, f in number_forms
                ],
                password_confirmed=password_confirmed,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("dashboard:settings")
    return _render_settings(request, form=form, number_forms=number_forms)


def _confirm_password(request: HttpRequest, form: SettingsForm) -> bool:
    """Whether the owner typed their own password on the settings form; otherwise says why
    on its password field. Wrong guesses are limited per user, so a stolen session cannot
    work the password out here."""
    user = request.user
    ident = str(user.pk)
    typed = request.POST.get("current_password", "")
    if not typed:
        form.add_error("current_password", services.PASSWORD_NEEDED)
        return False
    if wait := rate_limit.wait_seconds(PASSWORD_RECHECK, ident):
        form.add_error(
            "current_password",
            f"Too many wrong passwords; try again in {rate_limit.minutes(wait)}.",
        )
        return False
    if not user.check_password(typed):  # type: ignore[union-attr]
        rate_limit.record(PASSWORD_RECHECK, ident)
        form.add_error(
            "current_password",
            "That is not your password. Enter the password you sign in with to change "
            "where calls ring.",
        )
        return False
    return True


@require_GET
@business_view(owner_only=True)
def settings_preview(request: HttpRequest) -> HttpResponse:
    """The text-back preview fragment for what the owner is typing (not yet saved)."""
    business: Business = request.business  # type: ignore[attr-defined]
    preview = textback_preview(
        business=business,
        name=request.GET.get("name", ""),
        question=request.GET.get("qualifying_question", ""),
        plain_hyphen=bool(request.GET.get("textback_plain_hyphen")),
    )
    return render(request, "tenants/_textback_preview.html", {"preview": preview})


@require_POST
@business_view(owner_only=True)
def block_number(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    block_form = BlockNumberForm(request.POST)
    if block_form.is_valid():
        try:
            blocked = services.add_blocked_number(
                business=business,
                phone_number=block_form.cleaned_data["phone_number"],
                note=block_form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(block_form, exc)
        else:
            messages.success(request, f"{blocked.phone_number} is blocked: never texted back.")
            return redirect("dashboard:settings")
    return _render_settings(request, block_form=block_form)


@require_POST
@business_view(owner_only=True)
def unblock_number(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    number = request.POST.get("phone_number", "")
    if services.remove_blocked_number(business=business, phone_number=number):
        messages.success(request, f"{number} is no longer blocked.")
    else:
        messages.error(request, f"{number} was not on the block list.")
    return redirect("dashboard:settings")


# --- Team ------------------------------------------------------------------------------------


def _render_team(
    request: HttpRequest,
    *,
    invite_form: InviteForm | None = None,
    member_error: tuple[uuid.UUID, str] | None = None,
    alerts_error: str = "",
    code_error: str = "",
) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    members = list(members_of(business=business).order_by("role", "user__email"))
    for member in members:
        member.role_form = RoleForm(  # type: ignore[attr-defined]
            initial={"role": member.role}, auto_id=f"id_member{member.pk}_%s"
        )
        member.error = (  # type: ignore[attr-defined]
            member_error[1] if member_error and member_error[0] == member.public_id else ""
        )
    mine = next(m for m in members if m.user_id == request.user.pk)
    context = {
        "members": members,
        "mine": mine,
        "alerts_error": alerts_error,
        "code_error": code_error,
        "code_waiting": verification.open_code(business=business, membership=mine) is not None,
        "invite_form": invite_form or InviteForm(),
        "invitations": (
            list(pending_for_business(business=business))
            if request.membership.is_owner  # type: ignore[attr-defined]
            else []
        ),
        "my_invitations": list(open_invitations(user=request.user)),
        "now": timezone.now(),
        "can_manage": request.membership.is_owner,  # type: ignore[attr-defined]
    }
    return render(request, "tenants/team.html", context)


@require_GET
@business_view()
def team(request: HttpRequest) -> HttpResponse:
    return _render_team(request)


@require_POST
@business_view()
def my_alerts(request: HttpRequest) -> HttpResponse:
    """Any member, owner or staff, sets text alerts for their own cell. With alerts on and a
    number not yet verified, a code is texted to it at once (unless one is still waiting)."""
    business: Business = request.business  # type: ignore[attr-defined]
    try:
        membership = services.set_member_alerts(
            business=business,
            user=request.user,
            mobile_number=request.POST.get("mobile_number", "")[:32],
            sms_alerts=request.POST.get("sms_alerts") == "on",
        )
    except ValidationError as exc:
        return _render_team(request, alerts_error=" ".join(exc.messages))
    if not membership.sms_alerts or membership.mobile_verified:
        messages.success(request, "Your alert settings were saved.")
        return redirect(MY_ALERTS)
    if verification.open_code(business=business, membership=membership) is None:
        try:
            verification.send_code(business=business, membership=membership)
        except ValidationError as exc:
            messages.error(request, "Your alert settings were saved. " + " ".join(exc.messages))
            return redirect(MY_ALERTS)
    messages.success(
        request,
        f"Saved. We texted a 6-digit code to {membership.mobile_number}: type it in below to "
        "start getting alerts there.",
    )
    return redirect(MY_ALERTS)


@require_POST
@business_view()
def my_alerts_verify(request: HttpRequest) -> HttpResponse:
    """The member types back the code texted to their own number."""
    business: Business = request.business  # type: ignore[attr-defined]
    try:
        membership = verification.check_code(
            business=business,
            membership=request.membership,  # type: ignore[attr-defined]
            code=request.POST.get("code", "")[:32],
        )
    except ValidationError as exc:
        return _render_team(request, code_error=" ".join(exc.messages))
    messages.success(
        request, f"{membership.mobile_number} is verified: alerts will be texted there."
    )
    return redirect(MY_ALERTS)


@require_POST
@business_view()
def my_alerts_new_code(request: HttpRequest) -> HttpResponse:
    """Text a new code to the member's own number (rate-limited)."""
    business: Business = request.business  # type: ignore[attr-defined]
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if membership.mobile_verified:
        messages.success(request, f"{membership.mobile_number} is already verified.")
        return redirect(MY_ALERTS)
    try:
        verification.send_code(business=business, membership=membership)
    except ValidationError as exc:
        return _render_team(request, code_error=" ".join(exc.messages))
    messages.success(request, f"We texted a new code to {membership.mobile_number}.")
    return redirect(MY_ALERTS)


@require_POST
@business_view(owner_only=True)
def invite_member(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invited = invitations.invite_member(
                business=business,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            email = invited.invitation.email
            if invited.resent:
                note = f"We emailed {email} the invitation to {business} again."
            elif invited.new_account:
                note = f"We emailed {email} a link to choose a password and join {business}."
            else:
                note = (
                    f"{email} already has a Lasso account: we emailed them an invitation, and "
                    f"they join {business} when they accept it."
                )
            messages.success(request, note)
            return redirect("dashboard:team")
    return _render_team(request, invite_form=form)


@require_POST
@business_view(owner_only=True)
def member_role(request: HttpRequest, member_id: uuid.UUID) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    try:
        membership = services.set_member_role(
            business=business, member_id=member_id, role=request.POST.get("role", "")
        )
    except Membership.DoesNotExist as exc:
        raise Http404("No such member of this business.") from exc
    except ValidationError as exc:
        return _render_team(request, member_error=(member_id, " ".join(exc.messages)))
    messages.success(
        request, f"{membership.user.email} is now {membership.get_role_display().lower()}."
    )
    return redirect("dashboard:team")


@require_POST
@business_view(owner_only=True)
def member_remove(request: HttpRequest, member_id: uuid.UUID) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    try:
        membership = services.remove_member(business=business, member_id=member_id)
    except Membership.DoesNotExist as exc:
        raise Http404("No such member of this business.") from exc
    except ValidationError as exc:
        return _render_team(request, member_error=(member_id, " ".join(exc.messages)))
    messages.success(request, f"{membership.user.email} was removed from {business}.")
    if membership.user_id == request.user.pk:
        return redirect("dashboard:home")
    return redirect("dashboard:team")
