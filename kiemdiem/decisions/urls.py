from django.urls import path

from kiemdiem.decisions import screen_views, views

urlpatterns = [
    path("decisions/subjects/<int:subject_pk>/", views.subject_decision, name="decision-subject"),
    path(
        "decisions/subjects/<int:subject_pk>/decide/",
        views.subject_decide,
        name="decision-decide",
    ),
    path(
        "decisions/subjects/<int:subject_pk>/reopen/",
        views.subject_reopen,
        name="decision-reopen",
    ),
    path(
        "decisions/subjects/<int:subject_pk>/carry-over/",
        views.subject_carry_over,
        name="decision-carry-over",
    ),
    path(
        "decisions/subjects/<int:subject_pk>/propose/",
        views.subject_propose,
        name="decision-propose",
    ),
    path("decisions/people/<int:person_pk>/", views.person_tiers, name="decision-person-tiers"),
    path("decisions/<int:cycle_pk>/proposals/", views.proposals, name="decision-proposals"),
    path(
        "decisions/<int:cycle_pk>/proposals/<int:unit_pk>/<int:subject_pk>/",
        views.proposal_row,
        name="decision-proposal-row",
    ),
    # The decision screen of a scope (docs/decision-screen.md).
    path(
        "decisions/<int:cycle_pk>/screen/",
        screen_views.decision_screen,
        name="decision-screen",
    ),
]
