from django.urls import path

from kiemdiem.remediation import views

urlpatterns = [
    path("units/<int:pk>/remedies/", views.remedy_items, name="remedy-items"),
    path("units/<int:pk>/remedies/new/", views.remedy_item_add, name="remedy-item-add"),
    path("remedies/<int:pk>/edit/", views.remedy_item_edit, name="remedy-item-edit"),
    path("units/<int:pk>/lists/", views.tier_lists, name="tier-lists"),
    path("units/<int:pk>/lists/export/", views.tier_lists_export, name="tier-lists-export"),
    path("units/<int:pk>/consolidation/", views.consolidation_list, name="consolidation-list"),
    path(
        "units/<int:pk>/consolidation/build/",
        views.consolidation_build,
        name="consolidation-build",
    ),
    path(
        "consolidations/<int:pk>/actions/new/",
        views.consolidation_action_add,
        name="consolidation-action-add",
    ),
    path(
        "consolidation-actions/<int:pk>/edit/",
        views.consolidation_action_edit,
        name="consolidation-action-edit",
    ),
    path("people/<int:pk>/tiers/", views.person_tiers, name="person-tiers"),
]
