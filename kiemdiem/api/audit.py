"""The API of the audit log: entries filed under units where the caller may ``view_audit``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from kiemdiem.api.base import LIST_ERRORS, ApiViewSet
from kiemdiem.api.fields import MAX_ID, Text
from kiemdiem.audit.models import LogEntry
from kiemdiem.audit.selectors import log_list
from kiemdiem.orgtree.selectors import unit_visible


class LogEntrySerializer(serializers.ModelSerializer):
    label = Text(read_only=True)
    actor_username = Text(source="actor.username", read_only=True, default=None, allow_null=True)
    object_type = serializers.SerializerMethodField()
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "action",
            "label",
            "created_at",
            "actor",
            "actor_username",
            "object_type",
            "object_id",
            "object_repr",
            "unit",
            "data",
            "request_id",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_type(self, entry: LogEntry) -> str:
        ct = entry.content_type
        return f"{ct.app_label}.{ct.model}" if ct is not None else ""


class AuditQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: entries filed under that unit's subtree."),
    )
    action = Text(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_("Action code or its beginning, e.g. 'unit.'"),
    )
    actor = Text(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text=_("Part of the user name of who did it."),
    )


@extend_schema_view(
    list=extend_schema(
        summary="The audit log",
        description="Entries filed under units where the caller may `view_audit`, newest first.",
        parameters=[AuditQuerySerializer],
        responses={200: LogEntrySerializer(many=True), **LIST_ERRORS},
    ),
)
class AuditViewSet(ApiViewSet):
    queryset = LogEntry.objects.none()
    serializer_class = LogEntrySerializer

    def list(self, request):
        params = self.parse_query(AuditQuerySerializer)
        unit = None
        if "unit" in params:
            unit = unit_visible(request.user, params["unit"])
            if unit is None:
                return self.paginated(LogEntry.objects.none(), LogEntrySerializer)
        entries = log_list(
            request.user,
            unit=unit,
            action=params.get("action", ""),
            actor=params.get("actor", ""),
        )
        entries = entries.select_related("content_type").order_by("-created_at", "-id")
        return self.paginated(entries, LogEntrySerializer)
