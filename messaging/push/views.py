"""Dashboard pages for Web Push: this member's devices, opting a device in or out, and the
service worker script (served under /app/ so it may control the dashboard's pages)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from messaging.push import selectors, services
from tenants.dashboard import business_view

SERVICE_WORKER = Path(settings.BASE_DIR) / "static" / "sw.js"


@require_GET
@business_view()
def devices(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "push/devices.html",
        {
            "devices": selectors.devices_of(business=request.business, user=request.user),
            "configured": selectors.push_configured(),
            "vapid_public_key": settings.VAPID_PUBLIC_KEY,
        },
    )


@require_POST
@business_view()
def subscribe(request: HttpRequest) -> HttpResponse:
    """The browser's PushSubscription as JSON (what `subscription.toJSON()` gives)."""
    if not selectors.push_configured():
        return JsonResponse({"error": "Notifications are not set up on this server."}, status=409)
    try:
        data = json.loads(request.body or b"{}")
        endpoint = str(data["endpoint"])
        keys = data["keys"]
        p256dh, auth = str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "Not a push subscription."}, status=400)
    try:
        services.subscribe(
            business=request.business,
            user=request.user,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            device=request.headers.get("User-Agent", "")[:120],
        )
    except services.SubscriptionRefused as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    return JsonResponse({"ok": True}, status=201)


@require_POST
@business_view()
def unsubscribe(request: HttpRequest) -> HttpResponse:
    """From the device itself (JSON with its endpoint) or from the list (a form with an id)."""
    if request.content_type == "application/json":
        try:
            endpoint = str(json.loads(request.body or b"{}")["endpoint"])
        except (ValueError, KeyError, TypeError):
            return JsonResponse({"error": "Not a push subscription."}, status=400)
        services.unsubscribe_endpoint(
            business=request.business, user=request.user, endpoint=endpoint
        )
        return JsonResponse({"ok": True})
    try:
        subscription_id = int(request.POST.get("device", ""))
    except ValueError:
        subscription_id = 0
    if services.unsubscribe(
        business=request.business, user=request.user, subscription_id=subscription_id
    ):
        flash.success(request, "That device will no longer get notifications.")
    return redirect("messaging:push:devices")


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/app/"
    return response
