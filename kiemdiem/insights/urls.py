from django.urls import path

from kiemdiem.insights import views

urlpatterns = [
    path("insights/signals/", views.signals_page, name="insights-signals"),
    path("insights/signals/refresh/", views.signals_refresh, name="insights-signals-refresh"),
    path("insights/comparison/", views.comparison_page, name="insights-comparison"),
    path("insights/comparison/export/", views.comparison_export, name="insights-comparison-export"),
]
