from django.urls import path

from kiemdiem.orgtree import views

urlpatterns = [
    path("units/", views.tree, name="tree"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("units/<int:pk>/children/", views.unit_children, name="unit-children"),
    path("units/<int:pk>/as-of/", views.unit_as_of, name="unit-as-of"),
    path("units/<int:pk>/new/", views.unit_create, name="unit-create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit-move"),
]
