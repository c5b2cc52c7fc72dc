from django.urls import path

from kiemdiem.imports import views

urlpatterns = [
    path("", views.index, name="imports"),
    path("template/<str:kind>.xlsx", views.template, name="import-template"),
    path("export/", views.export, name="import-export"),
    path("<int:pk>/", views.job_detail, name="import-job"),
    path("<int:pk>/confirm/", views.job_confirm, name="import-confirm"),
    path("<int:pk>/report.xlsx", views.job_report, name="import-report"),
]
