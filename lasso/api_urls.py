"""/api/v1/… and the OpenAPI schema. Each app's api.py holds its views.

The docs page is the split Swagger view: its script is served from its own URL rather than
inlined, so the page runs under the Content-Security-Policy (script-src 'self').
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("v1/", include("lasso.api_v1_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "schema/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="schema-docs",
    ),
]
