"""Web pages of self-reviews."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def review_edit(request, subject_pk):
    return HttpResponse(status=501)
