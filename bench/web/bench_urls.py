"""The site's URLs plus the benchmark's bare signed-in page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("config.urls"))]

# The site's error pages, as config.urls declares them.
handler400 = "kiemdiem.api.exceptions.bad_request"
handler404 = "kiemdiem.api.exceptions.page_not_found"
handler500 = "kiemdiem.api.exceptions.server_error"
