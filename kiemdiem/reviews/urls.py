from django.urls import path

from kiemdiem.reviews import views

urlpatterns = [
    path("subjects/<int:subject_pk>/", views.review_edit, name="review-edit"),
]
