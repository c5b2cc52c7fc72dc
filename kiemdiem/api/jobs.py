"""The API of background jobs: a user's jobs with their progress, one job, run again, and its
result downloaded by its owner with the same token (``result_url``)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from kiemdiem.api.base import E401, E403, E404, LIST_ERRORS, READ_ERRORS, ApiViewSet
from kiemdiem.jobs import selectors, services
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.jobs.policies import JobPolicy

# The files jobs write, by suffix, as the API's schema documents them (anything else is served
# as octet-stream).
RESULT_TYPES = {
    ".zip": "application/zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    "": "application/octet-stream",
}


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField(min_value=0, max_value=100)


class JobSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    progress = serializers.SerializerMethodField()
    messages = serializers.ListField(child=serializers.CharField(), read_only=True)
    error = serializers.CharField(source="error_message", read_only=True, allow_blank=True)
    result_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "unit",
            "status",
            "progress",
            "messages",
            "error",
            "result_url",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, job: Job) -> dict:
        data = job.progress()
        return {key: data[key] for key in ("done", "total", "percent")}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_result_url(self, job: Job) -> str | None:
        """Where the owner downloads the result: ``/api/jobs/{id}/result/``, with the same token
        or session as the API."""
        user = self.context["request"].user
        if job.status == JobStatus.DONE and JobPolicy(user, job).may_download:
            return reverse("api-job-result", args=[job.pk])
        return None


@extend_schema_view(
    list=extend_schema(
        summary="My background jobs, newest first",
        responses={200: JobSerializer, **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One background job and its progress",
        responses={200: JobSerializer, **READ_ERRORS},
    ),
)
class JobViewSet(ApiViewSet):
    queryset = Job.objects.none()  # for the schema's path types; reads go through selectors
    serializer_class = JobSerializer

    def list(self, request):
        return self.paginated(selectors.job_list(request.user), JobSerializer)

    def retrieve(self, request, pk=None):
        job = selectors.job_get(request.user, self.url_pk())
        return Response(JobSerializer(job, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Run a failed or interrupted job again",
        request=None,
        responses={200: JobSerializer, 401: E401, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = selectors.job_get(request.user, self.url_pk())
        if not JobPolicy(request.user, job).may_retry:
            raise PermissionDenied
        job = services.job_retry(job=job, actor=request.user)
        return Response(JobSerializer(job, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Download the result of a finished job (its owner only)",
        responses={
            **{(200, kind): bytes for kind in sorted(set(RESULT_TYPES.values()))},
            401: E401,
            404: E404,
        },
    )
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        """The file a finished job wrote (an export's ZIP, DOCX, XLSX): its owner's alone,
        like the web's ``/jobs/{id}/result/``; anyone else is told it does not exist."""
        job = selectors.job_get(request.user, self.url_pk())
        path = job.result_path
        if not JobPolicy(request.user, job).may_download or path is None or not path.exists():
            raise Http404
        kind = RESULT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        return FileResponse(
            open(path, "rb"), as_attachment=True, filename=job.result_name, content_type=kind
        )
