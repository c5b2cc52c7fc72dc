from django.urls import path

from kiemdiem.imports import views

urlpatterns = [
    path("imports/", views.index, name="imports"),
    path("imports/template/<str:kind>.xlsx", views.template, name="import-template"),
    path("imports/export/", views.export, name="import-export"),
    path("imports/<int:pk>/", views.job_detail, name="import-job"),
    path("imports/<int:pk>/confirm/", views.job_confirm, name="import-confirm"),
    path("imports/<int:pk>/report.xlsx", views.job_report, name="import-report"),
]
