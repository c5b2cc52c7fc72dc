from django.urls import path

from kiemdiem.audit import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
]
