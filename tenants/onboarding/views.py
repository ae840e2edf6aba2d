"""Sign-up (public), email verification, and the onboarding wizard (owners of the active
business only: a wizard page names no business, so nobody reaches another's)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lasso.client_address import client_ip
from messaging import twilio_accounts
from tenants.accounts import rate_limit
from tenants.dashboard import SESSION_KEY, business_view
from tenants.forms import add_service_errors
from tenants.models import Business, Onboarding, TwilioNumber
from tenants.onboarding import forms, selectors, services
from tenants.views import textback_preview

logger = logging.getLogger(__name__)

STEP_URLS = {
    Onboarding.Step.TIME_ZONE: "onboarding:time_zone",
    Onboarding.Step.PHONE: "onboarding:phone",
    Onboarding.Step.QUESTION: "onboarding:question",
    Onboarding.Step.NUMBER: "onboarding:number",
    Onboarding.Step.TEST_CALL: "onboarding:test_call",
    Onboarding.Step.DONE: "dashboard:home",
}

CURRENT = {
    "onboarding/time_zone.html": Onboarding.Step.TIME_ZONE,
    "onboarding/phone.html": Onboarding.Step.PHONE,
    "onboarding/question.html": Onboarding.Step.QUESTION,
    "onboarding/number.html": Onboarding.Step.NUMBER,
    "onboarding/test_call.html": Onboarding.Step.TEST_CALL,
}


# --- sign-up --------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            logger.info("sign-up honeypot filled from %s", client_ip(request))
            return redirect("onboarding:signup_sent")
        wait = services.signup_wait_seconds(email=data["email"], client_address=client_ip(request))
        if wait:
            form.add_error(None, f"Too many sign-ups; try again in {rate_limit.minutes(wait)}.")
            return render(request, "onboarding/signup.html", {"form": form}, status=429)
        services.request_signup(
            business_name=data["business_name"],
            full_name=data["full_name"],
            email=data["email"],
            password=data["password"],
        )
        # The same page whether or not the address has an account: the email says which.
        return redirect("onboarding:signup_sent")
    return render(request, "onboarding/signup.html", {"form": form})


@require_GET
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "onboarding/signup_sent.html")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST makes the account and signs in, so a mail
    scanner that opens links neither uses the link up nor gets a session."""
    signup = services.signup_for_token(token=token)
    if signup is None:
        return render(request, "onboarding/verify_invalid.html", status=404)
    if request.method == "POST":
        try:
            user = services.complete_signup(signup=signup)
        except services.SignupError as exc:
            messages.error(request, str(exc))
            return redirect("login")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        membership = user.memberships.select_related("business").first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.business.slug
        return redirect("onboarding:start")
    return render(request, "onboarding/verify.html", {"signup": signup})


# --- the wizard -----------------------------------------------------------------------------------
def _onboarding(business: Business) -> Onboarding:
    onboarding, _ = Onboarding.objects.get_or_create(
        business=business, defaults={"step": Onboarding.Step.TIME_ZONE}
    )
    return onboarding


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    onboarding = _onboarding(business)
    reached = services.STEP_ORDER.index(onboarding.step)
    steps = [
        (step, label, services.STEP_ORDER.index(step) <= reached, reverse(STEP_URLS[step]))
        for step, label in Onboarding.Step.choices
        if step != Onboarding.Step.DONE
    ]
    return render(
        request,
        template,
        {
            "business": business,
            "onboarding": onboarding,
            "steps": steps,
            "step_urls": STEP_URLS,
            "simulated": twilio_accounts.simulated(),
            "current": CURRENT.get(template, ""),
            **context,
        },
        status=status,
    )


def _reached(request: HttpRequest, step: str) -> bool:
    onboarding = _onboarding(request.business)  # type: ignore[attr-defined]
    return services.STEP_ORDER.index(step) <= services.STEP_ORDER.index(onboarding.step)


@require_GET
@business_view(owner_only=True)
def start(request: HttpRequest) -> HttpResponse:
    onboarding = _onboarding(request.business)  # type: ignore[attr-defined]
    return redirect(STEP_URLS[onboarding.step])


@require_http_methods(["GET", "POST"])
@business_view(owner_only=True)
def time_zone(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    form = forms.TimeZoneForm(request.POST or None, initial={"time_zone": business.time_zone})
    if request.method == "POST" and form.is_valid():
        services.save_time_zone(business=business, time_zone=form.cleaned_data["time_zone"])
        return redirect("onboarding:phone")
    return _page(request, "onboarding/time_zone.html", {"form": form})


@require_http_methods(["GET", "POST"])
@business_view(owner_only=True)
def phone(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    if not _reached(request, Onboarding.Step.PHONE):
        return redirect("onboarding:start")
    onboarding = _onboarding(business)
    form = forms.PhoneForm(
        request.POST or None,
        initial={"mode": onboarding.mode, "forward_to": onboarding.forward_to or ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_phone(
                business=business,
                mode=form.cleaned_data["mode"],
                forward_to=form.cleaned_data["forward_to"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("onboarding:question")
    return _page(request, "onboarding/phone.html", {"form": form})


@require_http_methods(["GET", "POST"])
@business_view(owner_only=True)
def question(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    if not _reached(request, Onboarding.Step.QUESTION):
        return redirect("onboarding:start")
    form = forms.QuestionForm(
        request.POST or None, initial={"qualifying_question": business.qualifying_question}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_question(
                business=business, question=form.cleaned_data["qualifying_question"]
            )
        except ValidationError as exc:
            form.add_error("qualifying_question", exc)
        else:
            return redirect("onboarding:number")
    typed = form.data.get("qualifying_question") if form.is_bound else None
    preview = textback_preview(
        business=business,
        name=business.name,
        question=typed if typed is not None else business.qualifying_question,
        plain_hyphen=business.textback_plain_hyphen,
    )
    return _page(request, "onboarding/question.html", {"form": form, "preview": preview})


@require_GET
@business_view(owner_only=True)
def preview(request: HttpRequest) -> HttpResponse:
    """The text-back preview fragment for the question being typed (not yet saved)."""
    business: Business = request.business  # type: ignore[attr-defined]
    return render(
        request,
        "tenants/_textback_preview.html",
        {
            "preview": textback_preview(
                business=business,
                name=business.name,
                question=request.GET.get("qualifying_question", ""),
                plain_hyphen=business.textback_plain_hyphen,
            )
        },
    )


@require_http_methods(["GET", "POST"])
@business_view(owner_only=True)
def number(request: HttpRequest) -> HttpResponse:
    """Search and buy a number, or move one Lasso's platform account owns."""
    business: Business = request.business  # type: ignore[attr-defined]
    if not _reached(request, Onboarding.Step.NUMBER):
        return redirect("onboarding:start")
    existing = selectors.numbers_of(business=business)
    search = forms.SearchForm(request.GET if "area_code" in request.GET else None)
    found: list[str] = []
    if request.method == "GET" and search.is_bound and search.is_valid() and not existing:
        try:
            found = services.search_numbers(
                business=business,
                area_code=search.cleaned_data["area_code"],
                city=search.cleaned_data["city"],
            )
        except services.NumberError as exc:
            search.add_error(None, str(exc))
    move = forms.MoveForm()
    if request.method == "POST":
        action = request.POST.get("action")
        chosen: forms.BuyForm | forms.MoveForm = (
            forms.BuyForm(request.POST) if action == "buy" else forms.MoveForm(request.POST)
        )
        if action not in {"buy", "move"} or not chosen.is_valid():
            messages.error(request, "Choose a number from the list, in E.164 (+1…).")
            return redirect("onboarding:number")
        try:
            if action == "buy":
                services.buy_number(
                    business=business, phone_number=chosen.cleaned_data["phone_number"]
                )
            else:
                phone_number = _e164(chosen.cleaned_data["phone_number"])
                services.move_platform_number(business=business, phone_number=phone_number)
        except (services.NumberError, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            if action == "move":
                move = chosen  # type: ignore[assignment]
            return _page(
                request,
                "onboarding/number.html",
                {"search": search, "found": found, "move": move, "existing": existing},
                status=400,
            )
        return redirect("onboarding:test_call")
    return _page(
        request,
        "onboarding/number.html",
        {"search": search, "found": found, "move": move, "existing": existing},
    )


def _e164(raw: str) -> str:
    from tenants.validators import phone_number

    return str(phone_number(raw, label="Number"))


@require_GET
@business_view(owner_only=True)
def test_call(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    if not _reached(request, Onboarding.Step.TEST_CALL):
        return redirect("onboarding:start")
    onboarding = _onboarding(business)
    return _page(
        request,
        "onboarding/test_call.html",
        {
            "numbers": selectors.numbers_of(business=business),
            "progress": selectors.test_call_progress(
                business=business, since=onboarding.test_call_started_at
            ),
        },
    )


@require_GET
@business_view(owner_only=True)
def test_call_progress(request: HttpRequest) -> HttpResponse:
    """The test call's steps so far, as the list the test-call page refreshes in place."""
    business: Business = request.business  # type: ignore[attr-defined]
    onboarding = _onboarding(business)
    progress = selectors.test_call_progress(
        business=business, since=onboarding.test_call_started_at
    )
    return render(request, "onboarding/_progress.html", {"progress": progress})


@require_POST
@business_view(owner_only=True)
def finish(request: HttpRequest) -> HttpResponse:
    services.finish_test_call(business=request.business)  # type: ignore[attr-defined]
    return redirect("dashboard:home")


# --- the number's webhooks, re-checked ----------------------------------------------------
def _number_of(request: HttpRequest, phone_number: str) -> TwilioNumber:
    found = TwilioNumber.objects.filter(
        business=request.business,  # type: ignore[attr-defined]
        phone_number=phone_number,
    ).first()
    if found is None:
        raise Http404("No such number.")
    return found


@require_GET
@business_view(owner_only=True)
def number_check(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    checks = [
        (number, services.check_number(business=business, number=number))
        for number in selectors.numbers_of(business=business)
    ]
    return render(request, "onboarding/number_check.html", {"checks": checks})


@require_POST
@business_view(owner_only=True)
def number_fix(request: HttpRequest) -> HttpResponse:
    business: Business = request.business  # type: ignore[attr-defined]
    number = _number_of(request, request.POST.get("phone_number", ""))
    try:
        services.fix_number(business=business, number=number)
    except services.NumberError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{number.phone_number} points at Lasso again.")
    return redirect(reverse("onboarding:number_check"))
