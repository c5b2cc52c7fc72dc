from django.urls import path

from kiemdiem.people import views

urlpatterns = [
    path("people/", views.person_list, name="person-list"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/status/", views.person_status, name="person-status"),
    path("people/<int:pk>/transfer/", views.person_transfer, name="person-transfer"),
    path("people/<int:pk>/affiliations/new/", views.affiliation_add, name="affiliation-add"),
    path("affiliations/<int:pk>/end/", views.affiliation_end, name="affiliation-end"),
    path("units/<int:unit_pk>/people/new/", views.person_create, name="person-create"),
    # restructuring: the unit's people move with it
    path("units/<int:pk>/merge/", views.unit_merge, name="unit-merge"),
    path("units/<int:pk>/split/", views.unit_split, name="unit-split"),
    path("units/<int:pk>/dissolve/", views.unit_close, name="unit-close"),
]
