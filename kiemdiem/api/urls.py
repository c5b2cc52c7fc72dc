from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from kiemdiem.api import auth_views, jobs, views

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="api-unit")
router.register("people", views.PersonViewSet, basename="api-person")
router.register("affiliations", views.AffiliationViewSet, basename="api-affiliation")
router.register("audit", views.AuditViewSet, basename="api-audit")
router.register("cycles", views.CycleViewSet, basename="api-cycle")
router.register("plans", views.PlanViewSet, basename="api-plan")
router.register("subjects", views.SubjectViewSet, basename="api-subject")
router.register("jobs", jobs.JobViewSet, basename="api-job")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: no inline script for the CSP to allow.
    # Swagger UI adds <style> elements of its own: allowed on this page only.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("auth/token/", auth_views.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", auth_views.TokenListView.as_view(), name="api-tokens"),
    path(
        "auth/tokens/<str:token_id>/",
        auth_views.TokenDetailView.as_view(),
        name="api-token-detail",
    ),
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
