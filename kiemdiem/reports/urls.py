from django.urls import path

from kiemdiem.reports import views

urlpatterns = [
    path("reports/", views.report_index, name="report-index"),
    path("reports/<int:cycle_pk>/<int:unit_pk>/", views.report_page, name="report"),
    path("reports/<int:cycle_pk>/<int:unit_pk>/export/", views.report_export, name="report-export"),
    path(
        "reports/<int:cycle_pk>/<int:unit_pk>/document/",
        views.report_document,
        name="report-document",
    ),
    path("reports/<int:cycle_pk>/<int:unit_pk>/submit/", views.report_submit, name="report-submit"),
    path(
        "reports/<int:cycle_pk>/<int:unit_pk>/withdraw/",
        views.report_withdraw,
        name="report-withdraw",
    ),
]
