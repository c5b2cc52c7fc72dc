from django.urls import path

from kiemdiem.meetings import views

urlpatterns = [
    path("units/<int:pk>/meetings/", views.meetings, name="meetings"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/open/", views.meeting_state, {"to": "open"}, name="meeting-open"),
    path("meetings/<int:pk>/close/", views.meeting_state, {"to": "close"}, name="meeting-close"),
    path("meetings/<int:pk>/roll/", views.meeting_roll, name="meeting-roll"),
    path("meetings/<int:pk>/code/", views.meeting_code, name="meeting-code"),
    path("meetings/<int:pk>/check-in/", views.check_in, name="meeting-check-in"),
    path("meetings/<int:pk>/minutes/", views.minutes, {"kind": "meeting"}, name="meeting-minutes"),
    path(
        "meetings/<int:pk>/count-minutes/",
        views.minutes,
        {"kind": "count"},
        name="meeting-count-minutes",
    ),
    path("agenda/<int:pk>/", views.item_action, name="meeting-item"),
    path("votes/<int:pk>/", views.vote, name="meeting-vote"),
    path("votes/<int:pk>/tablet/", views.vote_tablet, name="meeting-vote-tablet"),
    path("votes/<int:pk>/close/", views.vote_close, name="meeting-vote-close"),
]
