from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from kiemdiem.api import jobs, views

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
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
