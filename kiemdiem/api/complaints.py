"""The API of complaints about a decided rating: file one (the subject, within the window,
with its documents), list the ones I filed and the ones my level decides, read one, decide
it (decisions/complaints.py). A complaint's files are downloaded from the web address in
``files[].url``, through the same policy."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.api.base import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
)
from kiemdiem.api.decisions import E409
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import MAX_COMMENT, Text, WholeNumber
from kiemdiem.cycles.models import Subject, TierChoice
from kiemdiem.decisions import complaints, policies
from kiemdiem.decisions.models import Complaint, ComplaintStatus, Decision
from kiemdiem.decisions.services import StaleDecision

MAX_TEXT = complaints.MAX_TEXT
# base64 of the largest attachment the settings allow (4 characters per 3 bytes), and no more
# files than a record may have: the body is refused by its shape before anything is decoded.
MAX_FILE_CHARS = -(-settings.ATTACHMENT_MAX_BYTES // 3) * 4
MAX_FILES = settings.ATTACHMENT_MAX_FILES


class ComplaintFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_url(self, f) -> str:
        return reverse("complaint-file", args=[f.complaint_id, f.pk])


class ComplaintSerializer(serializers.ModelSerializer):
    status = EnumField(ComplaintStatus, read_only=True)
    new_tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)
    subject = serializers.IntegerField(source="decision.subject_id", read_only=True)
    tier = EnumField(
        TierChoice, name="Tier", source="decision.tier", read_only=True, allow_blank=True
    )
    complaint_until = serializers.DateField(source="decision.complaint_until", read_only=True)
    revision = serializers.IntegerField(
        source="decision.revision",
        read_only=True,
        help_text=_("The decision's revision now: send it back to decide the complaint."),
    )
    files = ComplaintFileSerializer(many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "decision",
            "subject",
            "tier",
            "complaint_until",
            "revision",
            "text",
            "files",
            "filed_at",
            "filed_by",
            "handled_at_unit",
            "status",
            "outcome_reason",
            "new_tier",
            "handled_at",
            "handled_by",
        ]
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):
    name = Text(max_length=200)
    content = Text(
        max_length=MAX_FILE_CHARS, help_text=_("The file's bytes, base64-encoded (RFC 4648).")
    )


class FileComplaintSerializer(serializers.Serializer):
    decision = WholeNumber(min_value=1, help_text=_("The decision complained about."))
    text = Text(max_length=MAX_TEXT)
    files = UploadSerializer(many=True, required=False, max_length=MAX_FILES)


class HandleSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[ComplaintStatus.UPHELD, ComplaintStatus.CHANGED],
        help_text=_("upheld: the tier is kept; changed: decided again with new_tier."),
    )
    reason = Text(max_length=MAX_COMMENT)
    new_tier = EnumField(TierChoice, name="Tier", required=False, allow_blank=True)
    revision = WholeNumber(
        min_value=0,
        max_value=2**31 - 1,
        help_text=_(
            "The decision's revision as read with the complaint; a decision changed since is 409."
        ),
    )


def visible_complaints(user) -> QuerySet:
    """Mine, and the ones my level decides."""
    mine = complaints.mine(user).values("pk")
    handled = complaints.queue(user, open_only=False).values("pk")
    return (
        Complaint.objects.filter(pk__in=mine) | Complaint.objects.filter(pk__in=handled)
    ).order_by("-filed_at", "-pk")


def _uploads(files) -> list:
    uploads = []
    for f in files or []:
        try:
            data = base64.b64decode(f["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                {"files": _("%(name)s is not base64.") % {"name": f["name"]}}
            ) from None
        uploads.append(SimpleUploadedFile(f["name"], data))
    return uploads


@extend_schema_view(
    list=extend_schema(
        summary="The complaints I filed and the ones my level decides, newest first",
        responses={200: ComplaintSerializer, **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One complaint (its filer, the level deciding it, the level that decided)",
        responses={200: ComplaintSerializer, **READ_ERRORS},
    ),
)
class ComplaintViewSet(ApiViewSet):
    queryset = Complaint.objects.none()  # for the schema's path types
    serializer_class = ComplaintSerializer

    def list(self, request):
        return self.paginated(
            visible_complaints(request.user).prefetch_related("files").select_related("decision"),
            ComplaintSerializer,
        )

    def _visible(self) -> Complaint:
        complaint = (
            Complaint.objects.select_related("decision__subject", "handled_at_unit")
            .filter(pk=self.url_pk())
            .first()
        )
        if complaint is None or not policies.may_view_complaint(self.request.user, complaint):
            raise Http404
        return complaint

    def retrieve(self, request, pk=None):
        return Response(ComplaintSerializer(self._visible()).data)

    @extend_schema(
        summary="File a complaint about my rating, within the window, with documents",
        request=FileComplaintSerializer,
        responses={201: ComplaintSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = self.parse_body(FileComplaintSerializer)
        decision = Decision.objects.select_related("subject").filter(pk=data["decision"]).first()
        user = request.user
        if decision is None:
            raise Http404
        seen = (
            policies.is_complainant(user, decision.subject)
            or restrict(Subject.objects.filter(pk=decision.subject_id), user, Action.VIEW).exists()
        )
        if not seen:
            raise Http404
        require(policies.may_file_complaint(user, decision.subject))
        complaint = complaints.file_complaint(
            decision=decision, text=data["text"], files=_uploads(data.get("files")), actor=user
        )
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Decide a complaint: keep the tier, or decide it again",
        description="Send `revision` as read with the complaint: a decision changed since "
        "(decided again, re-opened, notified) is 409; a complaint already decided is 400.",
        request=HandleSerializer,
        responses={200: ComplaintSerializer, 409: E409, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        complaint = self._visible()
        require(policies.may_handle_complaint(request.user, complaint))
        data = self.parse_body(HandleSerializer)
        try:
            complaint = complaints.handle_complaint(
                complaint=complaint,
                outcome=data["outcome"],
                reason=data["reason"],
                new_tier=data.get("new_tier", ""),
                actor=request.user,
                revision=data["revision"],
            )
        except StaleDecision as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(ComplaintSerializer(complaint).data)
