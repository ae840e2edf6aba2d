"""Dashboard pages for conversations: the inbox, one timeline per contact, and replies."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from messaging import selectors, services
from messaging.models import Conversation
from tenants.dashboard import business_view

PAGE_SIZE = 50


@require_GET
@business_view()
def inbox(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", selectors.InboxFilter.NEEDS_REPLY)
    if show not in selectors.InboxFilter.__members__.values():
        show = selectors.InboxFilter.NEEDS_REPLY
    conversations = selectors.inbox(business=request.business, show=show)
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    unresolved = list(selectors.unresolved_sends(business=request.business)[:20])
    return render(
        request,
        "messaging/inbox.html",
        {
            "page": page,
            "show": show,
            "filters": selectors.InboxFilter,
            "unresolved": unresolved,
        },
    )


def _conversation_context(request: HttpRequest, conversation: Conversation) -> dict:
    business = request.business
    return {
        "conversation": conversation,
        "entries": selectors.timeline(business=business, conversation=conversation),
        "permission": services.reply_permission(business=business, conversation=conversation),
    }


@require_GET
@business_view()
def conversation_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    now = timezone.now()
    Conversation.objects.filter(business=request.business, pk=conversation.pk).update(
        unread_count=0, last_read_at=now
    )
    return render(
        request, "messaging/conversation.html", _conversation_context(request, conversation)
    )


@require_GET
@business_view()
def conversation_timeline(request: HttpRequest, public_id: str) -> HttpResponse:
    """The timeline fragment the conversation page polls for new messages."""
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    Conversation.objects.filter(
        business=request.business, pk=conversation.pk, unread_count__gt=0
    ).update(unread_count=0, last_read_at=timezone.now())
    return render(request, "messaging/_timeline.html", _conversation_context(request, conversation))


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
        context = _conversation_context(request, conversation)
        context.update({"reply_error": refused.reason, "draft": body})
        return render(request, "messaging/conversation.html", context, status=409)
    flash.success(request, "Reply queued.")
    return redirect("messaging:conversation", public_id=conversation.public_id)


@require_POST
@business_view()
def mark_done(request: HttpRequest, public_id: str) -> HttpResponse:
    conversation = selectors.conversation_for(business=request.business, public_id=public_id)
    Conversation.objects.filter(business=request.business, pk=conversation.pk).update(
        needs_reply=False, possible_opt_out=False, unread_count=0, last_read_at=timezone.now()
    )
    return redirect("messaging:inbox")


@require_GET
@business_view()
def overview(request: HttpRequest) -> HttpResponse:
    days = 30 if request.GET.get("days") == "30" else 7
    figures = selectors.overview(business=request.business, days=days)
    numbers = request.business.numbers.order_by("phone_number")
    return render(
        request, "messaging/overview.html", {"figures": figures, "days": days, "numbers": numbers}
    )
