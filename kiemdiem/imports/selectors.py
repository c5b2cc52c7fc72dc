"""Reads about import jobs, through the permission door."""

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.imports.models import ImportJob


def job_list(user, action: Action = Action.VIEW):
    return restrict(ImportJob.objects.select_related("unit", "created_by", "task"), user, action)


def job_get(user, pk: int, action: Action = Action.VIEW) -> ImportJob:
    return get_or_404(
        ImportJob.objects.select_related("unit", "created_by", "task"), user, action, pk=pk
    )
