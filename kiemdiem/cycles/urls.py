"""Supervision pages of review cycles (the progress board). The cycle pages themselves are
listed in ``kiemdiem.web.urls``."""

from django.urls import path

from kiemdiem.cycles import views

urlpatterns = [
    path("<int:pk>/units/<int:unit_pk>/board/", views.cycle_board, name="cycle-board"),
    path(
        "<int:pk>/units/<int:unit_pk>/board/subjects/",
        views.cycle_board_subjects,
        name="cycle-board-subjects",
    ),
]
