from django.urls import path

from kiemdiem.cycles import views

urlpatterns = [
    path("cycles/", views.cycle_list, name="cycle-list"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle-detail"),
    path(
        "cycles/<int:pk>/subjects/generate/",
        views.subjects_generate,
        name="cycle-subjects-generate",
    ),
    path("cycles/<int:pk>/units/<int:unit_pk>/", views.cycle_unit, name="cycle-unit"),
    path("cycles/<int:pk>/units/<int:unit_pk>/plan/", views.plan_issue, name="plan-issue"),
    path("cycles/<int:pk>/units/<int:unit_pk>/plan/return/", views.plan_return, name="plan-return"),
    path("cycles/<int:pk>/units/<int:unit_pk>/board/", views.cycle_board, name="cycle-board"),
    path(
        "cycles/<int:pk>/units/<int:unit_pk>/board/subjects/",
        views.cycle_board_subjects,
        name="cycle-board-subjects",
    ),
    path("units/<int:unit_pk>/cycles/new/", views.cycle_open, name="cycle-open"),
]
