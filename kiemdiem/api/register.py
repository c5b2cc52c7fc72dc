"""The API of the register of discipline decisions and conclusions: entries listed and read
through the policy (an entry about a person only to those who may see the person's personal
fields, and to the person), recorded and annulled by staff of the competent body, their
documents uploaded (multipart) and downloaded."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from kiemdiem.api.base import (
    E401,
    E404,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
)
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import MAX_ID, QueryYesNo, ScopedPrimaryKeyField, Text, WholeNumber, YesNo
from kiemdiem.common import attachments
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.selectors import unit_visible
from kiemdiem.people.models import Person
from kiemdiem.register import policies, selectors, services
from kiemdiem.register.models import (
    DisciplineForm,
    EntryKind,
    EntryTrack,
    RegisterEntry,
    RegisterFile,
)


class RegisterFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = RegisterFile
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, row: RegisterFile) -> str:
        return reverse("api-register-entry-file", args=[row.entry_id, row.pk])


class RegisterEntrySerializer(serializers.ModelSerializer):
    kind = EnumField(EntryKind, read_only=True)
    track = EnumField(EntryTrack, read_only=True)
    discipline_form = EnumField(DisciplineForm, read_only=True, allow_blank=True)
    person_name = serializers.SerializerMethodField()
    unit_name = serializers.SerializerMethodField()
    annulled = serializers.BooleanField(read_only=True)

    class Meta:
        model = RegisterEntry
        fields = [
            "id",
            "kind",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "track",
            "discipline_form",
            "decided_on",
            "issuing_body",
            "document_number",
            "year",
            "counted_in_year",
            "self_detected_and_remedied",
            "duty_related",
            "entered_at",
            "annulled",
            "annulled_at",
            "annul_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_person_name(self, entry: RegisterEntry):
        return entry.person.full_name if entry.person_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_unit_name(self, entry: RegisterEntry):
        return entry.unit.name if entry.unit_id else None


class RegisterEntryDetailSerializer(RegisterEntrySerializer):
    files = RegisterFileSerializer(many=True, read_only=True)

    class Meta(RegisterEntrySerializer.Meta):
        fields = [*RegisterEntrySerializer.Meta.fields, "summary", "files"]
        read_only_fields = fields


class RegisterEntryCreateSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyField(
        Person, required=False, allow_null=True, help_text=_("Either a person…")
    )
    unit = ScopedPrimaryKeyField(
        Unit, required=False, allow_null=True, help_text=_("…or a unit, not both.")
    )
    kind = EnumField(EntryKind)
    track = EnumField(EntryTrack)
    discipline_form = EnumField(DisciplineForm, required=False, allow_blank=True, default="")
    decided_on = serializers.DateField()
    issuing_body = Text(max_length=255)
    document_number = Text(max_length=80, required=False, allow_blank=True, default="")
    year = WholeNumber(min_value=1990, max_value=2100)
    counted_in_year = WholeNumber(min_value=1990, max_value=2100, required=False, allow_null=True)
    self_detected_and_remedied = YesNo(required=False, default=False)
    duty_related = YesNo(required=False, default=False)
    summary = Text(max_length=5000, required=False, allow_blank=True, default="")


class AnnulSerializer(serializers.Serializer):
    reason = Text(max_length=1000)


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("PDF, JPG, PNG, DOCX, XLSX or ODT."))


class RegisterListQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: entries about people with a home in its subtree, or units in it."),
    )
    person = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    kind = EnumField(EntryKind, required=False)
    year = serializers.IntegerField(min_value=1990, max_value=2100, required=False)
    annulled = QueryYesNo(required=False, help_text=_("Include annulled entries."))


@extend_schema_view(
    list=extend_schema(
        summary="List register entries",
        description="Entries the caller may read, newest decision first.",
        parameters=[RegisterListQuerySerializer],
        responses={200: RegisterEntrySerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One register entry, with its documents",
        responses={200: RegisterEntryDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Record a decision or conclusion",
        description="Needs `change` where the person's membership or work is (their party "
        "cell, post or employment), or on the unit. The engine reads it for the rated year "
        "`year` (unless `counted_in_year` names another).",
        request=RegisterEntryCreateSerializer,
        responses={201: RegisterEntryDetailSerializer, **WRITE_ERRORS},
    ),
)
class RegisterEntryViewSet(ApiViewSet):
    queryset = RegisterEntry.objects.none()
    serializer_class = RegisterEntrySerializer

    def _entry(self) -> RegisterEntry:
        entry = (
            policies.visible_entries(self.request.user)
            .select_related("person", "unit")
            .filter(pk=self.url_pk())
            .first()
        )
        if entry is None:
            raise Http404
        return entry

    def _detail(self, entry: RegisterEntry) -> dict:
        entry = RegisterEntry.objects.select_related("person", "unit").get(pk=entry.pk)
        return RegisterEntryDetailSerializer(entry, context=self.get_serializer_context()).data

    def list(self, request):
        params = self.parse_query(RegisterListQuerySerializer)
        unit = None
        if "unit" in params:
            unit = unit_visible(request.user, params["unit"])
            if unit is None:
                return self.paginated(RegisterEntry.objects.none(), RegisterEntrySerializer)
        entries = selectors.entry_list(
            request.user,
            unit=unit,
            kind=params.get("kind", ""),
            year=params.get("year"),
            annulled=bool(params.get("annulled")),
        )
        if "person" in params:
            entries = entries.filter(person_id=params["person"])
        return self.paginated(entries, RegisterEntrySerializer)

    def retrieve(self, request, pk=None):
        return Response(self._detail(self._entry()))

    def create(self, request):
        require(policies.may_record_somewhere(request.user))
        data = self.parse_body(RegisterEntryCreateSerializer)
        require(
            policies.may_record_for(request.user, person=data.get("person"), unit=data.get("unit"))
            or not (data.get("person") or data.get("unit"))  # the service names what is missing
        )
        entry = services.entry_record(actor=request.user, **data)
        return Response(self._detail(entry), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Annul a register entry",
        description="For an entry recorded by mistake or a decision quashed: kept with the "
        "reason, it no longer counts. Needs the right to record it.",
        request=AnnulSerializer,
        responses={200: RegisterEntryDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def annul(self, request, pk=None):
        entry = self._entry()
        require(policies.may_change_entry(request.user, entry))
        data = self.parse_body(AnnulSerializer)
        entry = services.entry_annul(entry=entry, reason=data["reason"], actor=request.user)
        return Response(self._detail(entry))

    @extend_schema(
        summary="Attach a document to a register entry",
        description="One file (multipart field `file`), checked by its bytes; its size and "
        "the number of files are limited. Needs the right to record the entry.",
        request={"multipart/form-data": FileUploadSerializer},
        responses={201: RegisterFileSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="files", parser_classes=[MultiPartParser])
    def files(self, request, pk=None):
        entry = self._entry()
        require(policies.may_change_entry(request.user, entry))
        data = self.parse_body(FileUploadSerializer)
        (row,) = services.file_attach(entry=entry, files=[data["file"]], actor=request.user)
        return Response(RegisterFileSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download a document of a register entry",
        parameters=[OpenApiParameter("file_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            **{
                (200, media_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description=_("The file, as a download.")
                )
                for media_type in attachments.KINDS
            },
            401: E401,
            404: E404,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<file_id>[0-9]{1,19})",
        url_name="file",
    )
    def file(self, request, pk=None, file_id=None):
        entry = self._entry()
        row = RegisterFile.objects.filter(entry=entry, pk=int(file_id)).first()
        if row is None:
            raise Http404
        return row.download()
