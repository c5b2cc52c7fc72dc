from django.urls import path

from kiemdiem.documents import views

urlpatterns = [
    path("documents/", views.document_list, name="document-list"),
    path("documents/<slug:identifier>/", views.document_run, name="document-run"),
]
