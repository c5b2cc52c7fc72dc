"""The API of published results: what is published to me (list, one), a list's rows a page
at a time (searched by name), publish a unit's notified results to an audience for a period,
withdraw it (decisions/publications.py)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.api.base import (
    E400,
    E401,
    E403,
    E404,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
)
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import ReasonSerializer, ScopedPrimaryKeyField, Text
from kiemdiem.cycles.models import ReviewCycle, SubjectKind, TierChoice
from kiemdiem.decisions import policies, publications
from kiemdiem.decisions.models import Audience, Publication, PublicationRow
from kiemdiem.orgtree.models import Unit


class PublishedRowSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(
        read_only=True, help_text=_("The row's place in the list as published, from 0.")
    )
    name = serializers.CharField(
        read_only=True, help_text=_("The person's full name; empty for a unit.")
    )
    kind = EnumField(SubjectKind, read_only=True)
    unit = serializers.CharField(read_only=True, help_text=_("The unit's name as published."))
    tier = EnumField(TierChoice, name="Tier", read_only=True)

    class Meta:
        model = PublicationRow
        fields = ["position", "name", "kind", "unit", "tier"]
        read_only_fields = fields


class PublicationSerializer(serializers.ModelSerializer):
    audience = EnumField(Audience, read_only=True)
    row_count = serializers.IntegerField(
        read_only=True, help_text=_("How many rows the list holds (read them from rows/).")
    )

    class Meta:
        model = Publication
        fields = [
            "id",
            "cycle",
            "unit",
            "title",
            "audience",
            "audience_unit",
            "starts_on",
            "ends_on",
            "row_count",
            "published_at",
            "published_by",
            "withdrawn_at",
            "withdrawn_by",
            "withdraw_reason",
        ]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer):
    cycle = ScopedPrimaryKeyField(ReviewCycle)
    unit = ScopedPrimaryKeyField(Unit, help_text=_("Whose decided subjects the list holds."))
    audience = EnumField(Audience)
    audience_unit = ScopedPrimaryKeyField(
        Unit, required=False, allow_null=True, help_text=_("Default: the unit itself.")
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    title = Text(required=False, allow_blank=True, max_length=255)


@extend_schema_view(
    list=extend_schema(
        summary="The rating results published to me now",
        responses={200: PublicationSerializer, **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One published list (its audience, or the level that may withdraw it)",
        responses={200: PublicationSerializer, **READ_ERRORS},
    ),
)
class PublicationViewSet(ApiViewSet):
    queryset = Publication.objects.none()  # for the schema's path types
    serializer_class = PublicationSerializer

    def list(self, request):
        return self.paginated(publications.published_to(request.user), PublicationSerializer)

    def _visible(self) -> Publication:
        pk = self.url_pk()
        user = self.request.user
        publication = (
            publications.published_to(user).filter(pk=pk).first()
            or publications.manageable(user).filter(pk=pk).first()
        )
        if publication is None:
            raise Http404
        return publication

    def retrieve(self, request, pk=None):
        return Response(PublicationSerializer(self._visible()).data)

    @extend_schema(
        summary="A published list's rows, a page at a time, in published order",
        parameters=[
            OpenApiParameter(
                "search",
                str,
                description="Only the rows whose name holds this (diacritics and case ignored).",
            )
        ],
        responses={200: PublishedRowSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        publication = self._visible()
        search = request.query_params.get("search", "")[:100]
        return self.paginated(publications.rows_of(publication, search), PublishedRowSerializer)

    @extend_schema(
        summary="Publish a unit's decided list to an audience for a period",
        request=PublishSerializer,
        responses={201: PublicationSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        # before the body is read: a reader learns nothing from the answers
        require(policies.may_publish_somewhere(request.user))
        data = self.parse_body(PublishSerializer)
        require(policies.may_publish(request.user, data["unit"], data.get("audience_unit")))
        publication = publications.publish(
            cycle=data["cycle"],
            unit=data["unit"],
            audience=data["audience"],
            audience_unit=data.get("audience_unit"),
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            title=data.get("title", ""),
            actor=request.user,
        )
        return Response(PublicationSerializer(publication).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw a published list, with the reason",
        request=ReasonSerializer,
        responses={200: PublicationSerializer, 400: E400, 401: E401, 403: E403, 404: E404},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        publication = publications.manageable(request.user).filter(pk=self.url_pk()).first()
        if publication is None:
            raise Http404
        data = self.parse_body(ReasonSerializer)
        publication = publications.withdraw(
            publication=publication, reason=data["reason"], actor=request.user
        )
        return Response(PublicationSerializer(publication).data)
