"""Supervision pages of review cycles (the progress board). The cycle pages themselves are
listed in ``kiemdiem.web.urls``."""

urlpatterns: list = []
