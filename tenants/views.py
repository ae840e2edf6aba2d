from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenants.dashboard import SESSION_KEY, business_view
from tenants.selectors import membership_for


@business_view()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html")


@require_POST
@business_view()
def switch_business(request: HttpRequest) -> HttpResponse:
    # Only a business the user belongs to can become active: an outsider's slug is a 404.
    membership = membership_for(user=request.user, business_slug=request.POST.get("business", ""))
    request.session[SESSION_KEY] = membership.business.slug
    return redirect("dashboard:home")
