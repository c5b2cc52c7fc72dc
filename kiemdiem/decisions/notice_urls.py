"""The pages of notices, publication and complaints (notice_views.py); kept apart from the
decision screen's ``urls.py`` so the two merge without touching each other."""

from django.urls import path

from kiemdiem.decisions import notice_views

urlpatterns = [
    # notification and publication of a unit's results (notice_views.py)
    path(
        "cycles/<int:pk>/units/<int:unit_pk>/results/",
        notice_views.decision_results,
        name="decision-results",
    ),
    path(
        "cycles/<int:pk>/units/<int:unit_pk>/results/notify/",
        notice_views.decision_notify,
        name="decision-notify",
    ),
    path(
        "publications/<int:pk>/withdraw/",
        notice_views.publication_withdraw,
        name="publication-withdraw",
    ),
    path("published/", notice_views.published_list, name="published-list"),
    path("published/<int:pk>/", notice_views.published_detail, name="published-detail"),
    # a subject's result, its complaints, the complaints queue
    path("decisions/<int:pk>/result/", notice_views.decision_result, name="decision-result"),
    path("complaints/", notice_views.complaint_queue, name="complaint-queue"),
    path("complaints/<int:pk>/", notice_views.complaint_detail, name="complaint-detail"),
    path(
        "complaints/<int:pk>/files/<int:file_pk>/",
        notice_views.complaint_file,
        name="complaint-file",
    ),
]
