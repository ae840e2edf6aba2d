"""Submitting a business's carrier registration through Twilio's APIs, and following its
review: every step is claimed in its own row before Twilio is asked, and keeps the SID Twilio
gave, so a retry after any failure continues where the last attempt stopped and never creates
a second profile, brand, service or campaign.

The steps, in order, in the business's own Twilio account (messaging.twilio_registration):
the secondary customer profile (its business information, authorised representative,
address and address document, attached, evaluated, submitted), the A2P trust product (its
messaging profile information and the customer profile, attached, evaluated, submitted), the
brand, the Messaging Service holding the business's number, and, once the brand is
approved, the campaign built from live configuration (consent.registration.packet).

A request whose answer was lost is never simply asked again: the step is `unknown` until
Twilio's records are read (`find`). Twilio's refusal stops the submission as failed, with
Twilio's codes; the owner corrects and resubmits, and only what failed is done again (the
bundles' facts are updated in place, the brand is resubmitted, the campaign updated).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consent.registration import notify, packet, routing
from consent.registration.models import CarrierRegistration, RegistrationStep
from messaging import twilio_registration as twilio
from messaging.twilio_registration import Credentials, RegistrationError
from tenants.models import Business

logger = logging.getLogger(__name__)

State = RegistrationStep.State
Status = CarrierRegistration.Status

# A claim older than this belongs to a worker that died mid-request: its outcome is unknown.
STALE_CLAIM = timedelta(minutes=10)

# What Twilio calls a finished review, per reviewed step.
APPROVED = {"twilio-approved", "APPROVED", "VERIFIED"}
REJECTED = {"twilio-rejected", "FAILED", "SUSPENDED", "DELETION_FAILED", "noncompliant"}
CAMPAIGN_APPROVED = {"VERIFIED", "APPROVED"}


class NotSubmittable(Exception):
    """Why the registration cannot be submitted now, in words for the owner."""


@dataclass
class Context:
    registration: CarrierRegistration
    business: Business
    account: Credentials
    rows: dict[str, RegistrationStep] = field(default_factory=dict)

    def sid(self, key: str) -> str:
        row = self.rows.get(key)
        return row.sid if row is not None and row.state == State.DONE else ""

    def name(self, key: str) -> str:
        # Unique per business and step: how a lost answer is found again in Twilio's lists.
        return f"lasso-b{self.business.pk}-{key}"

    def built(self) -> packet.Packet:
        return packet.build(business=self.business, registration=self.registration)


@dataclass(frozen=True)
class Made:
    sid: str
    twilio_status: str = ""


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    group: str
    create: Callable[[Context], Made]
    find: Callable[[Context], str] | None = None
    refresh: Callable[[Context, str], None] | None = None
    ready: Callable[[Context], bool] = lambda ctx: True
    applies: Callable[[Context], bool] = lambda ctx: True
    reviewed: bool = False
    # Called once the step is done (the service number tells the send path).
    after: Callable[[Context, RegistrationStep], None] | None = None


# --- what each step sends ------------------------------------------------------------------
def business_information(ctx: Context) -> dict[str, object]:
    r = ctx.registration
    return {
        "business_name": r.legal_name,
        "business_identity": "direct_customer",
        "business_type": r.business_type,
        "business_industry": r.vertical,
        "business_registration_identifier": "EIN",
        "business_registration_number": r.ein.replace("-", ""),
        "business_regions_of_operation": "USA_AND_CANADA",
        "website_url": r.website,
        "social_media_profile_urls": "",
    }


def representative(ctx: Context) -> dict[str, object]:
    r = ctx.registration
    return {
        "first_name": r.contact_first_name,
        "last_name": r.contact_last_name,
        "email": r.contact_email,
        "phone_number": r.contact_phone,
        "business_title": r.contact_title,
        "job_position": r.contact_position,
    }


def a2p_information(ctx: Context) -> dict[str, object]:
    non_profit = ctx.registration.business_type == CarrierRegistration.BusinessType.NON_PROFIT
    return {"company_type": "non-profit" if non_profit else "private"}


def address(ctx: Context) -> dict[str, str]:
    r = ctx.registration
    return {
        "customer_name": r.legal_name,
        "street": r.street,
        "city": r.city,
        "region": r.region,
        "postal_code": r.postal_code,
    }


def campaign(ctx: Context) -> twilio.Campaign:
    p = ctx.built()
    return twilio.Campaign(
        description=p.description,
        message_flow=p.message_flow,
        message_samples=[s.body for s in p.samples],
        usecase=p.use_case,
        has_embedded_links=p.has_embedded_links,
        has_embedded_phone=p.has_embedded_phone,
        opt_in_message=p.opt_in_message,
        opt_out_message=p.opt_out_message,
        help_message=p.help_message,
        opt_in_keywords=list(p.opt_in_keywords),
        opt_out_keywords=list(p.opt_out_keywords),
        help_keywords=list(p.help_keywords),
        privacy_policy_url=p.privacy_policy_url,
        terms_url=p.terms_url,
    )


def _end_user(key: str, kind: str, attributes: Callable[[Context], dict[str, object]]) -> dict:
    return {
        "create": lambda ctx: Made(
            twilio.create_end_user(
                account=ctx.account,
                friendly_name=ctx.name(key),
                type=kind,
                attributes=attributes(ctx),
            )
        ),
        "find": lambda ctx: twilio.find_end_user(account=ctx.account, friendly_name=ctx.name(key)),
        "refresh": lambda ctx, sid: twilio.update_end_user(
            account=ctx.account, sid=sid, attributes=attributes(ctx)
        ),
    }


def _assignment(kind: str, bundle: str, target: Callable[[Context], str]) -> dict:
    return {
        "create": lambda ctx: Made(
            twilio.assign(
                account=ctx.account,
                kind=kind,
                bundle_sid=ctx.sid(bundle),
                object_sid=target(ctx),
            )
        ),
        "find": lambda ctx: twilio.find_assignment(
            account=ctx.account, kind=kind, bundle_sid=ctx.sid(bundle), object_sid=target(ctx)
        ),
    }


def _evaluate(kind: str, bundle: str) -> Callable[[Context], Made]:
    def run(ctx: Context) -> Made:
        sid, verdict = twilio.evaluate(account=ctx.account, kind=kind, bundle_sid=ctx.sid(bundle))
        if verdict.status != "compliant":
            first = verdict.problems[0].code if verdict.problems else ""
            raise RegistrationError(
                f"Twilio found the {'customer profile' if kind == 'profile' else 'A2P profile'}"
                " incomplete",
                code=first,
                problems=verdict.problems,
            )
        return Made(sid, verdict.status)

    return run


def _bundle_step(key: str, kind: str) -> dict:
    """Create (or find) one of the two Trust Hub bundles, named after its step."""
    return {
        "create": lambda ctx: Made(
            twilio.create_bundle(
                account=ctx.account,
                kind=kind,
                friendly_name=ctx.name(key),
                email=ctx.registration.contact_email,
            )
        ),
        "find": lambda ctx: twilio.find_bundle(
            account=ctx.account, kind=kind, friendly_name=ctx.name(key)
        ),
    }


def _submit(kind: str, bundle: str) -> dict:
    def find(ctx: Context) -> str:
        # Submitted already when Twilio holds it past draft.
        review = twilio.fetch_bundle(account=ctx.account, kind=kind, bundle_sid=ctx.sid(bundle))
        return ctx.sid(bundle) if review.status not in {"", "draft"} else ""

    return {
        "create": lambda ctx: Made(
            ctx.sid(bundle),
            twilio.submit_bundle(account=ctx.account, kind=kind, bundle_sid=ctx.sid(bundle)),
        ),
        "find": find,
    }


def _primary_profile() -> str:
    return getattr(settings, "TWILIO_PRIMARY_CUSTOMER_PROFILE_SID", "")


def _brand(ctx: Context) -> Made:
    sid, status = twilio.register_brand(
        account=ctx.account,
        profile_sid=ctx.sid("customer_profile"),
        trust_product_sid=ctx.sid("trust_product"),
    )
    return Made(sid, status)


def _resubmit_brand(ctx: Context, sid: str) -> None:
    twilio.resubmit_brand(account=ctx.account, brand_sid=sid)


def _service_number(ctx: Context) -> Made:
    number = ctx.built().phone_number
    number_sid = twilio.find_number_sid(account=ctx.account, phone_number=number)
    if not number_sid:
        raise RegistrationError(
            f"{number} is not a number of this business's Twilio account", code="21452"
        )
    twilio.add_number(
        account=ctx.account, service_sid=ctx.sid("messaging_service"), number_sid=number_sid
    )
    return Made(number_sid)


def _find_service_number(ctx: Context) -> str:
    number_sid = twilio.find_number_sid(account=ctx.account, phone_number=ctx.built().phone_number)
    if not number_sid:
        return ""
    return twilio.find_service_number(
        account=ctx.account, service_sid=ctx.sid("messaging_service"), number_sid=number_sid
    )


def _number_in_service(ctx: Context, row: RegistrationStep) -> None:
    number = ctx.built().phone_number
    service = ctx.sid("messaging_service")
    CarrierRegistration.objects.filter(pk=ctx.registration.pk).update(
        messaging_service_sid=service, messaging_service_number=number
    )
    transaction.on_commit(lambda: routing.remember(number, service))


def _campaign(ctx: Context) -> Made:
    sid, status = twilio.create_campaign(
        account=ctx.account,
        service_sid=ctx.sid("messaging_service"),
        brand_sid=ctx.sid("brand"),
        campaign=campaign(ctx),
    )
    return Made(sid, status)


STEPS: list[Step] = [
    Step(
        "customer_profile",
        "Customer profile",
        "profile",
        **_bundle_step("customer_profile", "profile"),
    ),
    Step(
        "business_information",
        "Business information",
        "profile",
        **_end_user(
            "business_information", "customer_profile_business_information", business_information
        ),
    ),
    Step(
        "representative",
        "Authorised representative",
        "profile",
        **_end_user("representative", "authorized_representative_1", representative),
    ),
    Step(
        "address",
        "Business address",
        "profile",
        create=lambda ctx: Made(
            twilio.create_address(
                account=ctx.account, friendly_name=ctx.name("address"), address=address(ctx)
            )
        ),
        find=lambda ctx: twilio.find_address(
            account=ctx.account, friendly_name=ctx.name("address")
        ),
        refresh=lambda ctx, sid: twilio.update_address(
            account=ctx.account, sid=sid, address=address(ctx)
        ),
    ),
    Step(
        "address_document",
        "Address document",
        "profile",
        create=lambda ctx: Made(
            twilio.create_address_document(
                account=ctx.account,
                friendly_name=ctx.name("address_document"),
                address_sid=ctx.sid("address"),
            )
        ),
        find=lambda ctx: twilio.find_supporting_document(
            account=ctx.account, friendly_name=ctx.name("address_document")
        ),
    ),
    Step(
        "profile_primary",
        "Lasso's own profile attached",
        "profile",
        applies=lambda ctx: bool(_primary_profile()),
        **_assignment("profile", "customer_profile", lambda ctx: _primary_profile()),
    ),
    Step(
        "profile_business_information",
        "Business information attached",
        "profile",
        **_assignment("profile", "customer_profile", lambda ctx: ctx.sid("business_information")),
    ),
    Step(
        "profile_representative",
        "Representative attached",
        "profile",
        **_assignment("profile", "customer_profile", lambda ctx: ctx.sid("representative")),
    ),
    Step(
        "profile_address_document",
        "Address document attached",
        "profile",
        **_assignment("profile", "customer_profile", lambda ctx: ctx.sid("address_document")),
    ),
    Step(
        "profile_evaluation",
        "Customer profile complete",
        "profile",
        create=_evaluate("profile", "customer_profile"),
    ),
    Step(
        "profile_review",
        "Customer profile review",
        "profile",
        reviewed=True,
        **_submit("profile", "customer_profile"),
    ),
    Step(
        "trust_product",
        "A2P profile",
        "trust",
        **_bundle_step("trust_product", "trust"),
    ),
    Step(
        "a2p_information",
        "A2P messaging information",
        "trust",
        **_end_user("a2p_information", "us_a2p_messaging_profile_information", a2p_information),
    ),
    Step(
        "trust_a2p_information",
        "A2P information attached",
        "trust",
        **_assignment("trust", "trust_product", lambda ctx: ctx.sid("a2p_information")),
    ),
    Step(
        "trust_customer_profile",
        "Customer profile attached",
        "trust",
        **_assignment("trust", "trust_product", lambda ctx: ctx.sid("customer_profile")),
    ),
    Step(
        "trust_evaluation",
        "A2P profile complete",
        "trust",
        create=_evaluate("trust", "trust_product"),
    ),
    Step(
        "trust_review",
        "A2P profile review",
        "trust",
        reviewed=True,
        **_submit("trust", "trust_product"),
    ),
    Step(
        "brand",
        "Brand",
        "brand",
        reviewed=True,
        create=_brand,
        find=lambda ctx: twilio.find_brand(
            account=ctx.account, profile_sid=ctx.sid("customer_profile")
        ),
        refresh=lambda ctx, sid: _resubmit_brand(ctx, sid),
    ),
    Step(
        "messaging_service",
        "Messaging Service",
        "service",
        create=lambda ctx: Made(
            twilio.create_service(
                account=ctx.account,
                friendly_name=ctx.name("messaging_service"),
                inbound_url=settings.PUBLIC_BASE_URL.rstrip("/") + "/webhooks/twilio/sms/incoming/",
            )
        ),
        find=lambda ctx: twilio.find_service(
            account=ctx.account, friendly_name=ctx.name("messaging_service")
        ),
    ),
    Step(
        "service_number",
        "Number in the Messaging Service",
        "service",
        create=_service_number,
        find=_find_service_number,
        after=_number_in_service,
    ),
    Step(
        "campaign",
        "Campaign",
        "campaign",
        reviewed=True,
        # Twilio registers a campaign only for an approved brand.
        ready=lambda ctx: (
            ctx.rows["brand"].twilio_status == "APPROVED" if "brand" in ctx.rows else False
        ),
        create=_campaign,
        find=lambda ctx: twilio.find_campaign(
            account=ctx.account, service_sid=ctx.sid("messaging_service")
        ),
        refresh=lambda ctx, sid: twilio.update_campaign(
            account=ctx.account,
            service_sid=ctx.sid("messaging_service"),
            campaign_sid=sid,
            campaign=campaign(ctx),
        ),
    ),
]
BY_KEY = {step.key: step for step in STEPS}
GROUP_LABELS = {
    "profile": "Customer profile (Trust Hub)",
    "trust": "A2P messaging profile (Trust Hub)",
    "brand": "Brand",
    "service": "Messaging Service",
    "campaign": "Campaign",
}


# --- the account ---------------------------------------------------------------------------
def account_of(business: Business) -> Credentials:
    """The business's own subaccount, or the platform account for a business made by
    create_business (its numbers live there)."""
    from tenants.onboarding.selectors import subaccount_of

    sub = subaccount_of(business=business)
    if sub is not None:
        return Credentials(sub.sid, sub.auth_token)
    return Credentials(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)


def _context(registration: CarrierRegistration) -> Context:
    business = registration.business
    ctx = Context(registration=registration, business=business, account=account_of(business))
    ctx.rows = {row.key: row for row in registration.steps.all()}
    return ctx


def _problems(exc: RegistrationError) -> list[dict[str, str]]:
    return [{"code": p.code, "text": p.text} for p in exc.problems]


# --- running the steps ---------------------------------------------------------------------
def _claim(row: RegistrationStep) -> str | None:
    """Claim the row for this worker; the state it was claimed from, or None."""
    now = timezone.now()
    previous = row.state
    if row.state == State.CLAIMED:
        if row.claimed_at is not None and row.claimed_at >= now - STALE_CLAIM:
            return None  # another worker is asking Twilio right now
        previous = State.UNKNOWN
    elif row.state not in {State.TODO, State.UNKNOWN, State.REFRESH}:
        return None
    claimed = RegistrationStep.objects.filter(
        pk=row.pk, state=row.state, attempts=row.attempts
    ).update(state=State.CLAIMED, claimed_at=now, attempts=F("attempts") + 1)
    return previous if claimed else None


def _run(ctx: Context, step: Step, row: RegistrationStep, previous: str) -> Made:
    if previous == State.REFRESH and row.sid and step.refresh is not None:
        step.refresh(ctx, row.sid)
        return Made(row.sid, "")
    if previous in {State.UNKNOWN, State.REFRESH} and step.find is not None:
        found = step.find(ctx)
        if found:
            return Made(found)
    return step.create(ctx)


def advance(*, registration_id: int) -> str:
    """Run every step that can run now, in order. Returns "done" (all steps done),
    "waiting" (on Twilio's review), "retry" (Twilio could not be asked, or its answer was
    lost: ask later), "failed" (Twilio refused: the owner must correct) or "busy"."""
    registration = CarrierRegistration.objects.select_related("business").get(pk=registration_id)
    if registration.status != Status.PENDING:
        return "failed" if registration.status == Status.FAILED else "done"
    ctx = _context(registration)
    for step in STEPS:
        if not step.applies(ctx):
            continue
        row = ctx.rows.get(step.key)
        if row is not None and row.state == State.DONE:
            continue
        if row is not None and row.state == State.FAILED:
            return "failed"
        if not step.ready(ctx):
            return "waiting"
        if row is None:
            row, _ = RegistrationStep.objects.get_or_create(
                registration=registration, key=step.key, defaults={"business": ctx.business}
            )
            ctx.rows[step.key] = row
        previous = _claim(row)
        if previous is None:
            return "busy"
        try:
            made = _run(ctx, step, row, previous)
        except RegistrationError as exc:
            return _failed(ctx, step, row, previous, exc)
        done = {
            "state": State.DONE,
            "sid": made.sid,
            "errors": [],
        }
        if step.reviewed or made.twilio_status:
            done["twilio_status"] = made.twilio_status or row.twilio_status
        RegistrationStep.objects.filter(pk=row.pk, state=State.CLAIMED).update(**done)
        row.refresh_from_db()
        ctx.rows[step.key] = row
        if step.after is not None:
            step.after(ctx, row)
    return "done"


def _failed(
    ctx: Context, step: Step, row: RegistrationStep, previous: str, exc: RegistrationError
) -> str:
    rows = RegistrationStep.objects.filter(pk=row.pk, state=State.CLAIMED)
    if exc.unknown:
        rows.update(state=State.UNKNOWN, errors=_problems(exc))
        logger.warning(
            "registration %s: %s outcome unknown: %s", ctx.registration.pk, step.key, exc
        )
        return "retry"
    if exc.retryable:
        back = previous if previous in {State.UNKNOWN, State.REFRESH} else State.TODO
        rows.update(state=back, errors=_problems(exc))
        logger.info("registration %s: %s will be retried: %s", ctx.registration.pk, step.key, exc)
        return "retry"
    rows.update(state=State.FAILED, errors=_problems(exc))
    logger.info("registration %s: %s refused: %s", ctx.registration.pk, step.key, exc)
    _settle(ctx.registration, [notify.Change(step.label, "", "refused", _problems(exc))])
    return "failed"


# --- following Twilio's review -------------------------------------------------------------
def _overall(registration: CarrierRegistration) -> str:
    rows = {row.key: row for row in registration.steps.all()}
    if any(
        row.state == State.FAILED or (BY_KEY[row.key].reviewed and row.twilio_status in REJECTED)
        for row in rows.values()
        if row.key in BY_KEY
    ):
        return Status.FAILED
    if "campaign" in rows and rows["campaign"].twilio_status in CAMPAIGN_APPROVED:
        return Status.APPROVED
    return Status.PENDING


def _settle(registration: CarrierRegistration, changes: list[notify.Change]) -> None:
    """Set the registration's status from its steps, and tell the owner of every change
    (once: only the worker whose conditional update moved a status reports it)."""
    old = CarrierRegistration.objects.filter(pk=registration.pk).values_list("status", flat=True)[0]
    new = _overall(registration)
    if old != new and CarrierRegistration.objects.filter(pk=registration.pk, status=old).update(
        status=new
    ):
        changes = [*changes, notify.Change("Registration", old, new, [])]
        registration.status = new
    if changes:
        notify.owners(registration=registration, changes=changes)


def _fetch(ctx: Context, row: RegistrationStep) -> twilio.Review:
    if row.key == "profile_review":
        return twilio.fetch_bundle(account=ctx.account, kind="profile", bundle_sid=row.sid)
    if row.key == "trust_review":
        return twilio.fetch_bundle(account=ctx.account, kind="trust", bundle_sid=row.sid)
    if row.key == "brand":
        return twilio.fetch_brand(account=ctx.account, brand_sid=row.sid)
    return twilio.fetch_campaign(
        account=ctx.account, service_sid=ctx.sid("messaging_service"), campaign_sid=row.sid
    )


def poll(*, registration_id: int) -> str:
    """Read Twilio's verdict on every reviewed step, record what changed, go on with the
    steps that were waiting for it (the campaign, once the brand is approved), and tell the
    owner. Returns the registration's status after."""
    registration = CarrierRegistration.objects.select_related("business").get(pk=registration_id)
    if registration.status != Status.PENDING:
        return registration.status
    ctx = _context(registration)
    changes: list[notify.Change] = []
    for row in list(ctx.rows.values()):
        step = BY_KEY.get(row.key)
        if step is None or not step.reviewed or row.state != State.DONE or not row.sid:
            continue
        try:
            review = _fetch(ctx, row)
        except RegistrationError as exc:
            logger.warning("registration %s: %s not read: %s", registration.pk, row.key, exc)
            continue
        if review.status == row.twilio_status or not review.status:
            continue
        problems = [{"code": p.code, "text": p.text} for p in review.problems]
        if review.status not in REJECTED:
            problems = []
        moved = RegistrationStep.objects.filter(pk=row.pk, twilio_status=row.twilio_status).update(
            twilio_status=review.status, errors=problems
        )
        if moved:
            changes.append(notify.Change(step.label, row.twilio_status, review.status, problems))
    if changes:
        _settle(registration, changes)
    registration.refresh_from_db()
    if registration.status == Status.PENDING:
        advance(registration_id=registration.pk)
        registration.refresh_from_db()
    return registration.status


# --- the owner's submission ------------------------------------------------------------------
BUNDLE_VERDICTS = {"profile_evaluation", "profile_review", "trust_evaluation", "trust_review"}
DATA_STEPS = {
    "profile": ["business_information", "representative", "address"],
    "trust": ["a2p_information"],
}


def submit(*, business: Business, registration: CarrierRegistration) -> None:
    """Start (or, after a failure, restart) the submission; the caller has checked the
    lint. A resubmission updates or re-creates only what failed."""
    if registration.pk is None:
        raise NotSubmittable("Save the brand facts first.")
    if registration.entity_type != CarrierRegistration.EntityType.COMPANY:
        raise NotSubmittable(
            "Sole proprietors register with a different Twilio profile: use the printable "
            "version and Twilio's console, or ask Lasso's team."
        )
    if settings.LASSO_SMS_BACKEND != "twilio":
        raise NotSubmittable("Submitting needs Lasso's Twilio account, not configured here.")
    if not packet.build(business=business, registration=registration).phone_number:
        raise NotSubmittable("The business has no number to register yet.")
    with transaction.atomic():
        locked = CarrierRegistration.objects.select_for_update().get(
            pk=registration.pk, business=business
        )
        if locked.status not in {Status.DRAFT, Status.FAILED}:
            raise NotSubmittable("This registration is already with Twilio.")
        if locked.status == Status.FAILED:
            _reopen(locked)
        old = locked.status
        locked.status = Status.PENDING
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        change = notify.Change("Registration", old, Status.PENDING, [])
        transaction.on_commit(lambda: notify.owners(registration=locked, changes=[change]))
        from consent.registration import tasks

        transaction.on_commit(lambda: tasks.enqueue_submission(locked.pk))


def _reopen(registration: CarrierRegistration) -> None:
    """Mark for another attempt only what failed: refused steps are asked again; a bundle
    Twilio rejected or found incomplete gets its facts updated, is evaluated and submitted
    again; a failed brand is resubmitted; a failed campaign updated."""
    rows = {row.key: row for row in registration.steps.select_for_update()}
    again: set[str] = set()
    refresh: set[str] = set()
    for key, row in rows.items():
        failed = row.state == State.FAILED or row.twilio_status in REJECTED
        if not failed:
            continue
        group = BY_KEY[key].group if key in BY_KEY else ""
        if key in BUNDLE_VERDICTS:
            # Twilio judged the bundle's facts: send the corrected ones, then ask again.
            refresh.update(DATA_STEPS[group])
            again.update({f"{group}_evaluation", f"{group}_review"})
        elif row.sid and BY_KEY[key].refresh is not None:
            refresh.add(key)
        else:
            again.add(key)
    for key in again:
        if key in rows:
            RegistrationStep.objects.filter(pk=rows[key].pk).update(
                state=State.TODO, sid="", twilio_status="", errors=[]
            )
    for key in refresh - again:
        row = rows.get(key)
        if row is not None and row.sid:
            RegistrationStep.objects.filter(pk=row.pk).update(
                state=State.REFRESH, twilio_status="", errors=[]
            )
