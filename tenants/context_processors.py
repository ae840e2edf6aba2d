from django.conf import settings
from django.http import HttpRequest


def active_business(request: HttpRequest) -> dict[str, object]:
    """The dashboard's active business and the user's other businesses, for the switcher."""
    return {
        "active_business": getattr(request, "business", None),
        "active_membership": getattr(request, "membership", None),
        "debug_tools": settings.DEBUG,
    }
