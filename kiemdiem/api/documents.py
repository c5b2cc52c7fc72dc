"""The API of official documents: the exporters the user may run, and starting one (a batch
of documents, a list) as a background job. Its status and its result (a ZIP, a DOCX, an XLSX)
are the job's: ``/api/jobs/{id}/`` (``result_url``, downloaded by the requester alone)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.api.base import E400, E401, E404, ApiViewSet
from kiemdiem.api.jobs import JobSerializer
from kiemdiem.documents import policies, registry, services


class ExporterSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    formats = serializers.ListField(child=serializers.CharField())
    parameters = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_parameters(self, exporter) -> list[str]:
        """The names of its parameters (``params`` of a start)."""
        form = exporter.form(self.context["request"].user)
        return list(form.fields)


class StartSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=sorted(registry.FORMAT_LABELS))
    params = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        help_text="The exporter's parameters by name (a cycle's id, a unit's code, a subject).",
    )


@extend_schema_view(
    list=extend_schema(
        summary="The exporters I may run (documents, lists, batches)",
        responses={200: ExporterSerializer(many=True), 401: E401},
    ),
    retrieve=extend_schema(
        summary="One exporter: its formats and parameters",
        responses={200: ExporterSerializer, 401: E401, 404: E404},
    ),
)
class DocumentViewSet(ApiViewSet):
    lookup_value_regex = "[a-z0-9_]+"
    serializer_class = ExporterSerializer
    pagination_class = None

    def _exporter(self):
        exporter = registry.get(self.kwargs["pk"])
        if exporter is None or not policies.may_use(self.request.user, exporter):
            raise Http404
        return exporter

    def list(self, request):
        exporters = policies.available(request.user)
        context = self.get_serializer_context()
        return Response(ExporterSerializer(exporters, many=True, context=context).data)

    def retrieve(self, request, pk=None):
        context = self.get_serializer_context()
        return Response(ExporterSerializer(self._exporter(), context=context).data)

    @extend_schema(
        summary="Start an export (one document, a list, or a batch as one ZIP)",
        request=StartSerializer,
        responses={201: JobSerializer, 400: E400, 401: E401, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        exporter = self._exporter()
        body = self.parse_body(StartSerializer)
        job = services.export_start(
            actor=request.user, exporter=exporter, fmt=body["format"], data=body["params"]
        )
        return Response(JobSerializer(job, context=self.get_serializer_context()).data, status=201)
