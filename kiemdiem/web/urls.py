"""The URL map of the web pages: the start page, then each app's own ``urls.py``.

Every app lists its pages in its ``urls.py`` with their full paths from the site root (an app's
pages do not all share one prefix: a unit's "add person" page is people's), and is included
here at the root. URL names are global: templates use ``{% url "unit-detail" … %}``.
"""

from django.urls import include, path

from kiemdiem.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("kiemdiem.accounts.urls")),
    path("", include("kiemdiem.orgtree.urls")),
    path("", include("kiemdiem.people.urls")),
    path("", include("kiemdiem.cycles.urls")),
    path("", include("kiemdiem.reviews.urls")),
    path("", include("kiemdiem.notifications.urls")),
    path("", include("kiemdiem.imports.urls")),
    path("", include("kiemdiem.jobs.urls")),
    path("", include("kiemdiem.audit.urls")),
]
