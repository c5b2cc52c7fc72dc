from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("kiemdiem.api.urls")),
    path("", include("kiemdiem.web.urls")),
]

# Under /api/ these answer JSON in the API's error shape; elsewhere Django's normal pages.
handler400 = "kiemdiem.api.exceptions.bad_request"
handler404 = "kiemdiem.api.exceptions.page_not_found"
handler500 = "kiemdiem.api.exceptions.server_error"
