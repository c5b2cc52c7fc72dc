"""The decision screen's page (docs/decision-screen.md)."""

from django.urls import path

from kiemdiem.decisions import screen_views

urlpatterns = [
    path(
        "decisions/<int:cycle_pk>/screen/",
        screen_views.decision_screen,
        name="decision-screen",
    ),
]
