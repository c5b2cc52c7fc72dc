from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("kiemdiem.api.urls")),
    path("", include("kiemdiem.web.urls")),
]
