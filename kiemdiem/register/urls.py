from django.urls import path

from kiemdiem.register import views

urlpatterns = [
    path("register/", views.entry_list, name="register-list"),
    path("register/new/", views.entry_create, name="register-create"),
    path("register/<int:pk>/", views.entry_detail, name="register-entry"),
    path("register/<int:pk>/edit/", views.entry_edit, name="register-edit"),
    path("register/<int:pk>/annul/", views.entry_annul, name="register-annul"),
    path("register/<int:pk>/files/", views.file_attach, name="register-attach"),
    path("register/files/<int:pk>/", views.file_download, name="register-file"),
]
