from django.urls import path

from kiemdiem.reviews import views

urlpatterns = [
    path("", views.review_mine, name="review-mine"),
    path("subjects/<int:subject_pk>/", views.review_edit, name="review-edit"),
    path("subjects/<int:subject_pk>/start/", views.review_start, name="review-start"),
    path("subjects/<int:subject_pk>/save/", views.review_save, name="review-save"),
    path("subjects/<int:subject_pk>/amend/", views.review_amend, name="review-amend"),
    path("subjects/<int:subject_pk>/return/", views.review_return, name="review-return"),
    path("subjects/<int:subject_pk>/link/", views.review_link, name="review-link"),
    path("subjects/<int:subject_pk>/rate/", views.subject_rate, name="subject-rate"),
    path("subjects/<int:subject_pk>/suggest/", views.suggestion_add, name="suggestion-add"),
    path("subjects/<int:subject_pk>/print/", views.review_print, name="review-print"),
]
