from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from kiemdiem.api import (
    accounts,
    audit,
    complaints,
    cycles,
    decision_screen,
    documents,
    insights,
    jobs,
    meetings,
    opinions,
    orgtree,
    people,
    publications,
    register,
    remediation,
    reports,
)

router = SimpleRouter()
router.register("units", orgtree.UnitViewSet, basename="api-unit")
router.register("people", people.PersonViewSet, basename="api-person")
router.register("affiliations", people.AffiliationViewSet, basename="api-affiliation")
router.register("audit", audit.AuditViewSet, basename="api-audit")
router.register("cycles", cycles.CycleViewSet, basename="api-cycle")
router.register("plans", cycles.PlanViewSet, basename="api-plan")
router.register("subjects", cycles.SubjectViewSet, basename="api-subject")  # + api/reviews.py
router.register("jobs", jobs.JobViewSet, basename="api-job")
router.register("documents", documents.DocumentViewSet, basename="api-document")
router.register("register-entries", register.RegisterEntryViewSet, basename="api-register-entry")
router.register("publications", publications.PublicationViewSet, basename="api-publication")
router.register("complaints", complaints.ComplaintViewSet, basename="api-complaint")
router.register("remedies", remediation.RemedyItemViewSet, basename="api-remedy")
router.register("consolidations", remediation.ConsolidationViewSet, basename="api-consolidation")
router.register(
    "consolidation-actions",
    remediation.ConsolidationActionViewSet,
    basename="api-consolidation-action",
)
router.register("lists", remediation.TierListViewSet, basename="api-list")
router.register("tier-history", remediation.TierHistoryViewSet, basename="api-tier-history")
router.register("opinion-requests", opinions.OpinionRequestViewSet, basename="api-opinion-request")
router.register("peer-comments", opinions.PeerCommentViewSet, basename="api-peer-comment")
router.register("review-notes", opinions.ReviewNoteViewSet, basename="api-review-note")
router.register("meetings", meetings.MeetingViewSet, basename="api-meeting")
router.register("agenda", meetings.AgendaViewSet, basename="api-agenda")
router.register("votes", meetings.VoteViewSet, basename="api-vote")
router.register(
    "insights/comparison", insights.ComparisonViewSet, basename="api-insights-comparison"
)
router.register("insights/signals", insights.SignalViewSet, basename="api-insights-signal")
router.register("insights/todos", insights.TodoViewSet, basename="api-insights-todo")

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
    path("auth/token/", accounts.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", accounts.TokenListView.as_view(), name="api-tokens"),
    path(
        "auth/tokens/<str:token_id>/",
        accounts.TokenDetailView.as_view(),
        name="api-token-detail",
    ),
    path("me/", accounts.MeView.as_view(), name="api-me"),
    path(
        "cycles/<int:cycle_pk>/decision-screen/",
        decision_screen.DecisionScreenView.as_view(),
        name="api-decision-screen",
    ),
    path(
        "cycles/<int:cycle_pk>/decision-screen/finalize/",
        decision_screen.DecisionScreenFinalizeView.as_view(),
        name="api-decision-screen-finalize",
    ),
    path("cycles/<int:cycle_pk>/report/", reports.ReportView.as_view(), name="api-report"),
    path(
        "cycles/<int:cycle_pk>/report/submit/",
        reports.ReportSubmitView.as_view(),
        name="api-report-submit",
    ),
    path(
        "cycles/<int:cycle_pk>/report/withdraw/",
        reports.ReportWithdrawView.as_view(),
        name="api-report-withdraw",
    ),
    *router.urls,
]
