"""The active business of a dashboard session, and the decorator every /app/ view uses."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tenants.models import Membership
from tenants.selectors import memberships_for_user

SESSION_KEY = "active_business"

View = Callable[..., HttpResponse]


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership named in the session, falling back to the user's first business."""
    memberships = list(memberships_for_user(user=request.user))
    if not memberships:
        return None
    slug = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.business.slug == slug:
            chosen = membership
            break
    else:
        chosen = memberships[0]
        request.session[SESSION_KEY] = chosen.business.slug
    request.all_memberships = memberships  # type: ignore[attr-defined]
    return chosen


def business_view(owner_only: bool = False) -> Callable[[View], View]:
    """Login required; sets request.business and request.membership from the session."""

    def decorate(view: View) -> View:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            membership = active_membership(request)
            if membership is None:
                return render(request, "tenants/no_business.html", status=403)
            if owner_only and not membership.is_owner:
                raise PermissionDenied("Only an owner of this business can do that.")
            request.membership = membership  # type: ignore[attr-defined]
            request.business = membership.business  # type: ignore[attr-defined]
            # Every time on the business's pages is the business's own wall-clock time.
            timezone.activate(zoneinfo.ZoneInfo(membership.business.time_zone))
            try:
                return view(request, *args, **kwargs)
            finally:
                timezone.deactivate()

        return wrapper

    return decorate
