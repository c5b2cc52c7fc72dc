"""The URL map of the web pages: web's own pages, then each app's own ``urls.py``.

Every app lists its pages in its ``urls.py`` with their full paths from the site root (an app's
pages do not all share one prefix: a unit's "add person" page is people's), and is included
here at the root. URL names are global: templates use ``{% url "unit-detail" … %}``.
"""

from django.urls import include, path

from kiemdiem.web import access, views

urlpatterns = [
    # web's own pages: the start page and the pages that span apps (see web/views.py)
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit-log"),
    path("access/", access.user_list, name="user-list"),
    path("access/<int:pk>/", access.user_detail, name="user-detail"),
    path("people/<int:person_pk>/login/", access.user_create_for_person, name="user-create"),
    # each app's pages
    path("", include("kiemdiem.accounts.urls")),
    path("", include("kiemdiem.orgtree.urls")),
    path("", include("kiemdiem.people.urls")),
    path("", include("kiemdiem.cycles.urls")),
    path("", include("kiemdiem.reviews.urls")),
    path("", include("kiemdiem.decisions.urls")),
    path("", include("kiemdiem.register.urls")),
    path("", include("kiemdiem.notifications.urls")),
    path("", include("kiemdiem.imports.urls")),
    path("", include("kiemdiem.jobs.urls")),
    path("", include("kiemdiem.documents.urls")),
    path("", include("kiemdiem.decisions.notice_urls")),
    path("", include("kiemdiem.remediation.urls")),
    path("", include("kiemdiem.opinions.urls")),
    path("", include("kiemdiem.meetings.urls")),
    path("", include("kiemdiem.reports.urls")),
    path("", include("kiemdiem.insights.urls")),
]
