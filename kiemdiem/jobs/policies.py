"""Who may do what with a background job. A job is its owner's; administrators see all."""

from __future__ import annotations

from django.db.models import QuerySet


class JobPolicy:
    def __init__(self, user, job):
        self.user = user
        self.job = job

    @property
    def may_view(self) -> bool:
        return visible_jobs(type(self.job).objects.filter(pk=self.job.pk), self.user).exists()

    @property
    def may_download(self) -> bool:
        # A result (an export, a batch of documents) holds what its owner was allowed to read,
        # so only the owner takes it.
        return bool(self.job.result_name) and self.job.owner_id == getattr(self.user, "pk", None)

    @property
    def may_retry(self) -> bool:
        from kiemdiem.jobs.models import JobStatus
        from kiemdiem.jobs.registry import KINDS

        kind = KINDS.get(self.job.kind)
        return (
            kind is not None
            and kind.retryable
            and self.job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED)
            and self.job.owner_id == getattr(self.user, "pk", None)
        )


def visible_jobs(queryset: QuerySet, user) -> QuerySet:
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(owner=user)
