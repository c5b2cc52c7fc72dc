from django.urls import path

from kiemdiem.opinions import views

urlpatterns = [
    path("subjects/<int:pk>/opinions/", views.subject_opinions, name="subject-opinions"),
    path("subjects/<int:pk>/opinions/request/", views.request_add, name="opinion-request-add"),
    path("subjects/<int:pk>/notes/<str:kind>/", views.note_write, name="review-note-write"),
    path(
        "cycles/<int:cycle_pk>/units/<int:unit_pk>/opinions/",
        views.cell_requests,
        name="opinion-cell-requests",
    ),
    path("opinions/", views.inbox, name="opinion-inbox"),
    path("opinions/<int:pk>/", views.answer, name="opinion-answer"),
    path("peer-comments/", views.peer_list, name="peer-comments"),
    path("peer-comments/<int:pk>/", views.peer_comment, name="peer-comment"),
]
