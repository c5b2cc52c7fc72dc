"""The API of review meetings: meetings (``/meetings/``: schedule, open, close, the roll,
check-in), the agenda (``/agenda/{id}/``: notes, a show of hands, open a secret ballot) and
votes (``/votes/{id}/``: cast a secret vote, close and count, the result).

A secret vote's choice travels in the request body only; nothing answers or stores who chose
what (docs/meetings.md, "Secret ballot: threat model"). Running counts of an open ballot are
never answered."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.api.base import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
    require_somewhere,
)
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import MAX_ID, ScopedPrimaryKeyField, Text
from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.meetings import policies, selectors, services
from kiemdiem.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingStatus,
    Presence,
    Question,
    QuestionStatus,
    VoteMethod,
)
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.selectors import unit_get
from kiemdiem.people.models import Person

# --- Serializers ----------------------------------------------------------------------


class QuestionSerializer(serializers.ModelSerializer):
    """A vote on an agenda item. ``counts`` only once counted (empty while a ballot is open)."""

    method = EnumField(VoteMethod, read_only=True)
    status = EnumField(QuestionStatus, read_only=True)
    options = serializers.ListField(child=serializers.CharField(), read_only=True)
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "item",
            "method",
            "status",
            "options",
            "counts",
            "voters",
            "cast",
            "needed",
            "result",
            "counted_by",
        ]
        read_only_fields = fields

    def get_counts(self, row) -> dict[str, int]:
        return dict(selectors.counts_of(row))


class AgendaItemSerializer(serializers.ModelSerializer):
    subject_name = serializers.SerializerMethodField()
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "position", "subject", "subject_name", "notes", "questions"]
        read_only_fields = fields

    def get_subject_name(self, row) -> str:
        s = row.subject
        return s.person.full_name if s.person_id else s.unit.name


class AttendanceSerializer(serializers.ModelSerializer):
    presence = EnumField(Presence, read_only=True)
    person_name = Text(source="person.full_name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "person", "person_name", "official", "exempt", "presence", "reason"]
        read_only_fields = fields


class QuorumSerializer(serializers.Serializer):
    official = serializers.IntegerField()
    present_official = serializers.IntegerField()
    present = serializers.IntegerField()
    probationary = serializers.IntegerField()
    exempt = serializers.IntegerField()
    absent = serializers.IntegerField()
    needed = serializers.IntegerField()
    reached = serializers.BooleanField()


class MeetingSerializer(serializers.ModelSerializer):
    status = EnumField(MeetingStatus, read_only=True)
    unit_name = Text(source="unit.name", read_only=True)
    quorum = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "cycle",
            "unit",
            "unit_name",
            "starts_at",
            "place",
            "chair",
            "secretary",
            "status",
            "revision",
            "summary",
            "quorum",
        ]
        read_only_fields = fields

    @extend_schema_field(QuorumSerializer)
    def get_quorum(self, row) -> dict:
        return QuorumSerializer(services.quorum(row)).data


class MeetingDetailSerializer(MeetingSerializer):
    agenda = serializers.SerializerMethodField()
    roll = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda", "roll"]
        read_only_fields = fields

    def get_agenda(self, row) -> list[dict]:
        items = row.agenda.select_related("subject__person", "subject__unit").prefetch_related(
            "questions__counts"
        )
        return AgendaItemSerializer(items.order_by("position"), many=True).data

    def get_roll(self, row) -> list[dict]:
        return AttendanceSerializer(selectors.roll(row), many=True).data


class MeetingQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The meetings of this unit's subtree.")
    )
    cycle = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class MeetingCreateSerializer(serializers.Serializer):
    cycle = ScopedPrimaryKeyField(ReviewCycle)
    unit = ScopedPrimaryKeyField(Unit)
    starts_at = serializers.DateTimeField()
    place = Text(max_length=255)
    chair = ScopedPrimaryKeyField(Person, allow_null=True, required=False, default=None)
    secretary = ScopedPrimaryKeyField(Person, allow_null=True, required=False, default=None)


class RevisionSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class CloseSerializer(RevisionSerializer):
    summary = Text(allow_blank=True, required=False, default="", max_length=10_000)


class CheckInSerializer(serializers.Serializer):
    code = Text(max_length=12, help_text=_("The code shown in the meeting room."))


class AttendanceWriteSerializer(serializers.Serializer):
    row = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The roll row."))
    presence = EnumField(Presence, help_text=_("`present` or `absent` (`expected` is refused)."))
    reason = Text(allow_blank=True, required=False, default="", max_length=255)


class NotesSerializer(serializers.Serializer):
    notes = Text(allow_blank=True, max_length=10_000)


class HandsSerializer(RevisionSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100_000),
        help_text=_("Option (tier) → number of hands."),
    )


class CastSerializer(serializers.Serializer):
    option = Text(max_length=8)
    voter = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("On the secretary's shared device: the member voting (their person id)."),
    )
    personal_code = Text(allow_blank=True, required=False, default="", max_length=12)


class CountSerializer(serializers.Serializer):
    counted_by = Text(allow_blank=True, required=False, default="", max_length=255)


# --- Views ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Review meetings",
        description="The meetings of `unit`'s subtree (of `cycle`, when given).",
        parameters=[MeetingQuerySerializer],
        responses={200: MeetingSerializer(many=True), **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
    retrieve=extend_schema(
        summary="One review meeting, with its agenda, roll and quorum",
        responses={200: MeetingDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Schedule a review meeting",
        description="Needs `change` on the unit. The agenda is the cycle's subjects of the unit "
        "(the collective first, then its head and leaders, then the members); the roll its "
        "members on the day.",
        request=MeetingCreateSerializer,
        responses={201: MeetingDetailSerializer, **WRITE_ERRORS},
    ),
)
class MeetingViewSet(ApiViewSet):
    queryset = Meeting.objects.none()
    serializer_class = MeetingSerializer

    def _get(self) -> Meeting:
        return selectors.meeting_get(self.request.user, self.url_pk())

    def list(self, request):
        params = self.parse_query(MeetingQuerySerializer)
        unit = unit_get(request.user, params["unit"])
        cycle = (
            ReviewCycle.objects.filter(pk=params["cycle"]).first() if "cycle" in params else None
        )
        if "cycle" in params and cycle is None:
            return self.paginated(Meeting.objects.none(), MeetingSerializer)
        rows = selectors.meetings(request.user, unit, cycle).order_by("-starts_at", "pk")
        return self.paginated(rows, MeetingSerializer)

    def retrieve(self, request, pk=None):
        return Response(MeetingDetailSerializer(self._get()).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(MeetingCreateSerializer)
        require(policies.may_schedule(request.user, data["unit"]))
        meeting = services.meeting_schedule(actor=request.user, **data)
        return Response(MeetingDetailSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open the meeting",
        request=RevisionSerializer,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="open", url_name="open")
    def open_(self, request, pk=None):
        meeting = self._get()
        require(policies.may_run(request.user, meeting))
        data = self.parse_body(RevisionSerializer)
        meeting = services.meeting_open(meeting=meeting, actor=request.user, **data)
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(
        summary="Close the meeting",
        description="Refused while a secret ballot is open; those not checked in are absent.",
        request=CloseSerializer,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        meeting = self._get()
        require(policies.may_run(request.user, meeting))
        data = self.parse_body(CloseSerializer)
        meeting = services.meeting_close(meeting=meeting, actor=request.user, **data)
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(
        summary="Check oneself in",
        description="A member on the roll, with the code shown in the room (rate-limited).",
        request=CheckInSerializer,
        responses={200: AttendanceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        meeting = self._get()
        require(policies.on_roll(request.user, meeting) is not None)
        data = self.parse_body(CheckInSerializer)
        row = services.check_in(meeting=meeting, actor=request.user, **data)
        return Response(AttendanceSerializer(row).data)

    @extend_schema(
        summary="Record a member present or absent",
        description="The secretary's roll: `row` is a roll row of this meeting.",
        request=AttendanceWriteSerializer,
        responses={200: AttendanceSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        meeting = self._get()
        require(policies.may_run(request.user, meeting))
        data = self.parse_body(AttendanceWriteSerializer)
        row = meeting.roll.filter(pk=data.pop("row")).first()
        if row is None:
            raise ValidationError({"row": _("Not a roll row of this meeting.")})
        row = services.attendance_record(attendance=row, actor=request.user, **data)
        return Response(AttendanceSerializer(row).data)


@extend_schema_view(
    retrieve=extend_schema(
        summary="One agenda item, with its votes",
        responses={200: AgendaItemSerializer, **READ_ERRORS},
    ),
)
class AgendaViewSet(ApiViewSet):
    queryset = AgendaItem.objects.none()
    serializer_class = AgendaItemSerializer

    def _get(self) -> AgendaItem:
        return self.visible(
            AgendaItem.objects.select_related("meeting__unit", "subject__person", "subject__unit")
        )

    def retrieve(self, request, pk=None):
        return Response(AgendaItemSerializer(self._get()).data)

    @extend_schema(
        summary="Record the discussion notes",
        request=NotesSerializer,
        responses={200: AgendaItemSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        item = self._get()
        require(policies.may_run(request.user, item.meeting))
        data = self.parse_body(NotesSerializer)
        item = services.notes_record(item=item, actor=request.user, **data)
        return Response(AgendaItemSerializer(item).data)

    @extend_schema(
        summary="Record a show of hands",
        description="Counts per option; in all no more than the official members present.",
        request=HandsSerializer,
        responses={201: QuestionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def hands(self, request, pk=None):
        item = self._get()
        require(policies.may_run(request.user, item.meeting))
        data = self.parse_body(HandsSerializer)
        question = services.hands_record(item=item, actor=request.user, **data)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open a secret ballot",
        description="Needs the quorum. One option per tier the subject's rule pack allows.",
        request=None,
        responses={201: QuestionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def ballot(self, request, pk=None):
        item = self._get()
        require(policies.may_run(request.user, item.meeting))
        question = services.ballot_open(item=item, actor=request.user)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="One vote, with its result once counted",
        responses={200: QuestionSerializer, **READ_ERRORS},
    ),
)
class VoteViewSet(ApiViewSet):
    queryset = Question.objects.none()
    serializer_class = QuestionSerializer

    def _get(self) -> Question:
        return selectors.question_get(self.request.user, self.url_pk())

    def retrieve(self, request, pk=None):
        return Response(QuestionSerializer(self._get()).data)

    @extend_schema(
        summary="Cast a secret vote",
        description="One's own vote (on the roll, checked in, an official member, once; final), "
        "or on the secretary's shared device a member's, confirmed with their personal code "
        "(`voter`, `personal_code`). The answer says only that the vote was recorded.",
        request=CastSerializer,
        responses={204: None, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cast(self, request, pk=None):
        question = self._get()
        meeting = question.item.meeting
        require(
            policies.on_roll(request.user, meeting) is not None
            or policies.may_run(request.user, meeting)
        )
        data = self.parse_body(CastSerializer)
        voter = None
        if "voter" in data:
            voter = Person.objects.filter(pk=data.pop("voter")).first()
            if voter is None:
                raise ValidationError({"voter": _("Not on the roll of this meeting.")})
        services.ballot_cast(question=question, actor=request.user, voter=voter, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Close and count a secret ballot",
        description="The meeting's secretary or staff, or its chair (the counting committee "
        "reports to the chair). Records counts, turnout and the result against the threshold.",
        request=CountSerializer,
        responses={200: QuestionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        question = self._get()
        require(policies.may_count(request.user, question.item.meeting))
        data = self.parse_body(CountSerializer)
        question = services.ballot_close(question=question, actor=request.user, **data)
        return Response(QuestionSerializer(question).data)
