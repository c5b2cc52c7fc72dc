from django.urls import path

from kiemdiem.reviews import views

urlpatterns = [
    path("reviews/", views.review_mine, name="review-mine"),
    path("reviews/subjects/<int:subject_pk>/", views.review_edit, name="review-edit"),
    path("reviews/subjects/<int:subject_pk>/start/", views.review_start, name="review-start"),
    path("reviews/subjects/<int:subject_pk>/save/", views.review_save, name="review-save"),
    path("reviews/subjects/<int:subject_pk>/amend/", views.review_amend, name="review-amend"),
    path("reviews/subjects/<int:subject_pk>/return/", views.review_return, name="review-return"),
    path("reviews/subjects/<int:subject_pk>/link/", views.review_link, name="review-link"),
    path("reviews/subjects/<int:subject_pk>/suggest/", views.suggestion_add, name="suggestion-add"),
    path("reviews/subjects/<int:subject_pk>/print/", views.review_print, name="review-print"),
]
