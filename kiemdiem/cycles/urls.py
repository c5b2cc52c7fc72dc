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
    path("cycles/<int:pk>/packs/pin/", views.cycle_pack_pin, name="cycle-pack-pin"),
    path("cycles/<int:pk>/packs/<int:pin_pk>/", views.cycle_pack_rules, name="cycle-pack-rules"),
    path("cycles/<int:pk>/places/", views.cycle_places, name="cycle-places"),
    path(
        "cycles/<int:pk>/places/<int:person_pk>/<str:track>/",
        views.cycle_place_choose,
        name="cycle-place-choose",
    ),
    path("units/<int:unit_pk>/cycles/new/", views.cycle_open, name="cycle-open"),
]
