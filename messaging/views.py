"""Dashboard pages for conversations: the inbox, one timeline per contact, and replies.

The inbox and an open conversation refresh themselves by polling a fragment with a
conditional request: the fragment's ETag is a fingerprint from a couple of aggregate
queries, so a poll that finds nothing new is answered 304 without rendering anything, and
no request is held open (the web workers are synchronous).
"""

from __future__ import annotations

import hashlib

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import condition, require_GET, require_POST

from messaging import selectors, services
from messaging.models import Conversation
from tenants.dashboard import business_view

PAGE_SIZE = 50


def _fingerprint(request: HttpRequest, version: str) -> str:
    # The page asked for (filter, page number) is part of what the fragment shows.
    raw = f"{request.business.pk}|{request.get_full_path()}|{version}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _revalidate_every_time(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def _inbox_context(request: HttpRequest) -> dict:
    query = request.GET.get("q", "").strip()[:100]
    show = request.GET.get("show", selectors.InboxFilter.NEEDS_REPLY)
    if show not in selectors.InboxFilter.__members__.values():
        show = selectors.InboxFilter.NEEDS_REPLY
    if query:  # a search looks through every conversation, whatever the tab
        show = selectors.InboxFilter.ALL
        conversations = selectors.search(business=request.business, query=query)
    else:
        conversations = selectors.inbox(business=request.business, show=show)
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_last_messages(
        business=request.business, conversations=list(page.object_list)
    )
    return {"page": page, "show": show, "filters": selectors.InboxFilter, "q": query}


@require_GET
@business_view()
def inbox(request: HttpRequest) -> HttpResponse:
    context = _inbox_context(request)
    context["unresolved"] = list(selectors.unresolved_sends(business=request.business)[:20])
    return render(request, "messaging/inbox.html", context)


def _inbox_etag(request: HttpRequest) -> str:
    return _fingerprint(request, selectors.inbox_version(business=request.business))


@require_GET
@business_view()
@condition(etag_func=_inbox_etag)
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The inbox's list, polled by the open inbox; 304 while nothing changed."""
    response = render(request, "messaging/_inbox_list.html", _inbox_context(request))
    return _revalidate_every_time(response)


def _conversation_context(request: HttpRequest, conversation: Conversation) -> dict:
    business = request.business
    return {
        "conversation": conversation,
        "entries": selectors.timeline(business=business, conversation=conversation),
        "permission": services.reply_permission(business=business, conversation=conversation),
    }


def _page_context(request: HttpRequest, conversation: Conversation) -> dict:
    """The whole conversation page: the timeline and, around it, the owner's tools."""
    context = _conversation_context(request, conversation)
    context["quick_replies"] = list(selectors.quick_replies_for(business=request.business))
    return context


@require_GET
@business_view()
def conversation_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    now = timezone.now()
    Conversation.objects.filter(business=request.business, pk=conversation.pk).update(
        unread_count=0, last_read_at=now
    )
    return render(request, "messaging/conversation.html", _page_context(request, conversation))


def _timeline_etag(request: HttpRequest, public_id: str) -> str:
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    request._conversation = conversation  # type: ignore[attr-defined]  # reused when it changed
    version = selectors.timeline_version(business=request.business, conversation=conversation)
    return _fingerprint(request, version)


@require_GET
@business_view()
@condition(etag_func=_timeline_etag)
def conversation_timeline(request: HttpRequest, public_id: str) -> HttpResponse:
    """The timeline fragment the conversation page polls; 304 while nothing changed."""
    conversation = getattr(request, "_conversation", None) or selectors.conversation_for(
        business=request.business, public_id=public_id
    )
    Conversation.objects.filter(
        business=request.business, pk=conversation.pk, unread_count__gt=0
    ).update(unread_count=0, last_read_at=timezone.now())
    response = render(
        request, "messaging/_timeline.html", _conversation_context(request, conversation)
    )
    return _revalidate_every_time(response)


@require_POST
@business_view()
def reply(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    body = request.POST.get("body", "")
    try:
        services.send_reply(
            business=request.business,
            conversation=conversation,
            body=body,
            sent_by=request.user,
        )
    except services.ReplyRefused as refused:
        context = _page_context(request, conversation)
        context.update({"reply_error": refused.reason, "draft": body})
        return render(request, "messaging/conversation.html", context, status=409)
    flash.success(request, "Reply queued.")
    return redirect("messaging:conversation", public_id=conversation.public_id)


@require_POST
@business_view()
def mark_done(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    services.mark_handled(business=request.business, conversation=conversation, user=request.user)
    flash.success(request, f"{conversation.contact} marked handled.")
    return redirect("messaging:inbox")


def _after_hours_prompt(request: HttpRequest) -> object | None:
    """The one-time question to owners whose business saved hours before the after-hours
    text-back existed: the settings it would turn on, or None."""
    from messaging.after_hours import selectors as after_hours

    if not request.membership.is_owner or not after_hours.needs_prompt(business=request.business):
        return None
    return after_hours.settings_for(business=request.business)


@require_GET
@business_view()
def overview(request: HttpRequest) -> HttpResponse:
    days = 30 if request.GET.get("days") == "30" else 7
    figures = selectors.overview(business=request.business, days=days)
    numbers = request.business.numbers.order_by("phone_number")
    outages = selectors.recent_outages(business=request.business)
    return render(
        request,
        "messaging/overview.html",
        {
            "figures": figures,
            "days": days,
            "numbers": numbers,
            "outages": outages,
            "busy_hours": selectors.missed_by_hour(business=request.business, days=days),
            "after_hours_prompt": _after_hours_prompt(request),
        },
    )


@require_POST
@business_view()
def edit_contact(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    try:
        services.update_contact(
            business=request.business,
            conversation=conversation,
            name=request.POST.get("name", ""),
            notes=request.POST.get("notes", ""),
        )
    except services.ContactRefused as refused:
        flash.error(request, str(refused))
    else:
        flash.success(request, "Contact saved.")
    return redirect("messaging:conversation", public_id=conversation.public_id)


@business_view()
def quick_replies(request: HttpRequest) -> HttpResponse:
    """The business's saved replies: any member may add or remove one."""
    error, draft = "", {"title": "", "body": ""}
    if request.method == "POST":
        draft = {"title": request.POST.get("title", ""), "body": request.POST.get("body", "")}
        try:
            services.save_quick_reply(business=request.business, **draft)
        except services.QuickReplyRefused as refused:
            error = str(refused)
        else:
            flash.success(request, "Quick reply saved.")
            return redirect("messaging:quick_replies")
    return render(
        request,
        "messaging/quick_replies.html",
        {
            "quick_replies": selectors.quick_replies_for(business=request.business),
            "error": error,
            "draft": draft,
            "max_length": services.QUICK_REPLY_MAX,
        },
        status=400 if error else 200,
    )


@require_POST
@business_view()
def delete_quick_reply(request: HttpRequest, quick_reply_id: int) -> HttpResponse:
    if not services.delete_quick_reply(business=request.business, quick_reply_id=quick_reply_id):
        raise Http404("No such quick reply.")
    flash.success(request, "Quick reply removed.")
    return redirect("messaging:quick_replies")
