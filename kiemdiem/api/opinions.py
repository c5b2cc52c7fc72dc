"""The API of opinions: requests and their answers (``/opinion-requests/``), peer comments
(``/peer-comments/``) and the chi ủy's comment and the approving level's conclusion on a
self-review (``/review-notes/``). Each write asks ``opinions.policies`` (or
``reviews.policies.may_write_note``) first and calls one service (docs/opinions.md)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404
from kiemdiem.api.base import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
    require_somewhere,
)
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import MAX_ID, ScopedPrimaryKeyField, Text, WholeNumber
from kiemdiem.api.schema import AutoSchema
from kiemdiem.cycles.models import ReviewCycle, Subject, TierChoice
from kiemdiem.opinions import policies, selectors, services
from kiemdiem.opinions.models import DutyRating, OpinionAnswer, OpinionRequest, Source
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Person
from kiemdiem.reviews import notes
from kiemdiem.reviews.models import NoteKind, ReviewNote
from kiemdiem.reviews.policies import may_write_note

MAX_TEXT = services.MAX_TEXT

# --- Serializers --------------------------------------------------------------------------------


class AnswerSerializer(serializers.ModelSerializer):
    state_tier = EnumField(TierChoice, name="Tier", allow_blank=True, read_only=True)
    suggested_tier = EnumField(TierChoice, name="Tier", allow_blank=True, read_only=True)
    duties = serializers.DictField(
        child=EnumField(DutyRating), read_only=True, help_text=_("Duty code → rating.")
    )
    answered_by = Text(source="answered_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = OpinionAnswer
        fields = [
            "version",
            "duties",
            "state_tier",
            "suggested_tier",
            "text",
            "answered_at",
            "answered_by",
        ]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    """A request, whether it is overdue, its newest answer and the older versions."""

    source = EnumField(Source, name="OpinionSource", read_only=True)
    subject_name = serializers.SerializerMethodField()
    asked_name = Text(read_only=True)
    overdue = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta:
        model = OpinionRequest
        fields = [
            "id",
            "subject",
            "subject_name",
            "source",
            "asked_unit",
            "asked_person",
            "asked_name",
            "deadline",
            "note",
            "requested_at",
            "overdue",
            "answer",
            "history",
        ]
        read_only_fields = fields

    def _view(self, row):
        cache = self.context.setdefault("_views", {})
        if row.pk not in cache:
            cache[row.pk] = selectors.request_view(row)
        return cache[row.pk]

    def get_subject_name(self, row) -> str:
        s = row.subject
        return s.person.full_name if s.person_id else s.unit.name

    def get_overdue(self, row) -> bool:
        return self._view(row).overdue

    @extend_schema_field(AnswerSerializer(allow_null=True))
    def get_answer(self, row):
        view = self._view(row)
        return AnswerSerializer(view.answer).data if view.answer else None

    @extend_schema_field(AnswerSerializer(many=True))
    def get_history(self, row):
        return AnswerSerializer(self._view(row).history, many=True).data


class RequestQuerySerializer(serializers.Serializer):
    subject = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("The requests about this subject; without it, those asked of the caller."),
    )


class RequestCreateSerializer(serializers.Serializer):
    subject = ScopedPrimaryKeyField(Subject)
    source = EnumField(Source, name="OpinionSource")
    deadline = serializers.DateField(
        help_text=_("Not in the past, and within the plan's opinions stage when it has one.")
    )
    asked_person = ScopedPrimaryKeyField(
        Person, required=False, allow_null=True, default=None, help_text=_("For `individual`.")
    )
    note = Text(max_length=MAX_TEXT, required=False, allow_blank=True, default="")


class CellRequestSerializer(serializers.Serializer):
    cycle = ScopedPrimaryKeyField(ReviewCycle)
    unit = ScopedPrimaryKeyField(Unit)
    source = EnumField(Source, name="OpinionSource")
    deadline = serializers.DateField()
    note = Text(max_length=MAX_TEXT, required=False, allow_blank=True, default="")


class SkippedSerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    name = Text()
    reason = Text()


class CellResultSerializer(serializers.Serializer):
    created = RequestSerializer(many=True)
    existing = RequestSerializer(many=True)
    skipped = SkippedSerializer(many=True)


class AnswerWriteSerializer(serializers.Serializer):
    text = Text(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    duties = serializers.DictField(
        child=EnumField(DutyRating),
        required=False,
        default=dict,
        help_text=_("Residence cell: every QĐ 213 duty code → its rating."),
    )
    state_tier = EnumField(TierChoice, name="Tier", required=False, allow_blank=True, default="")
    suggested_tier = EnumField(
        TierChoice, name="Tier", required=False, allow_blank=True, default=""
    )
    revision = WholeNumber(
        min_value=0,
        max_value=2**31 - 1,
        required=False,
        default=0,
        help_text=_("The answer's version as read (0: none yet); another is 400."),
    )


class PeerCommentsSerializer(serializers.Serializer):
    threshold = serializers.IntegerField()
    count = serializers.IntegerField(help_text=_("How many members have commented."))
    shown = serializers.BooleanField()
    comments = serializers.ListField(
        child=Text(), help_text=_("The texts, never with names; empty under the threshold.")
    )


class SubjectQuerySerializer(serializers.Serializer):
    subject = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class PeerCommentWriteSerializer(serializers.Serializer):
    subject = WholeNumber(min_value=1, max_value=MAX_ID)
    text = Text(max_length=MAX_TEXT)


class OwnCommentSerializer(serializers.Serializer):
    subject = serializers.IntegerField(source="subject_id")
    text = Text()
    written_on = serializers.DateField()


class MissingSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="pk")
    name = Text(source="full_name")


class MissingListSerializer(serializers.Serializer):
    subject = serializers.IntegerField()
    people = MissingSerializer(many=True)


class NoteSerializer(serializers.ModelSerializer):
    kind = EnumField(NoteKind, read_only=True)
    written_by = Text(source="written_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ReviewNote
        fields = ["id", "subject", "kind", "version", "text", "written_at", "written_by"]
        read_only_fields = fields


class NoteWriteSerializer(serializers.Serializer):
    subject = ScopedPrimaryKeyField(Subject)
    kind = EnumField(NoteKind)
    text = Text(max_length=notes.MAX_NOTE)
    revision = WholeNumber(
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("The note's version as read (0: none yet); another is 400."),
    )


class _OneObject(AutoSchema):
    def _is_list_view(self, serializer=None) -> bool:
        return False


def _subject_seen(user, pk: int) -> Subject:
    return get_or_404(
        Subject.objects.select_related("cycle", "unit", "person"), user, Action.VIEW, pk=pk
    )


# --- Views ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Opinion requests",
        description="With `subject`: the requests about it and their answers, for whoever may "
        "see its self-review (the one asked sees their own request only). Without: the "
        "requests asked of the caller (their units' or by name), soonest deadline first.",
        parameters=[RequestQuerySerializer],
        responses={200: RequestSerializer(many=True), **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
    retrieve=extend_schema(
        summary="One opinion request", responses={200: RequestSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Ask for an opinion on a member",
        description="For the secretary or staff with `change` on the subject's unit (never "
        "about oneself). The unit asked is read from the registry (residence cell, deciding "
        "level, employment, the cell left this year); a member exempt under HD 33 is refused "
        "with the reason. Asking again answers the request already made (200), not a second.",
        request=RequestCreateSerializer,
        responses={201: RequestSerializer, 200: RequestSerializer, **WRITE_ERRORS},
    ),
)
class OpinionRequestViewSet(ApiViewSet):
    queryset = OpinionRequest.objects.none()
    serializer_class = RequestSerializer

    def list(self, request):
        params = self.parse_query(RequestQuerySerializer)
        if "subject" in params:
            subject = _subject_seen(request.user, params["subject"])
            rows = [v.request for v in selectors.subject_file(request.user, subject)]
        else:
            rows = [v.request for v in selectors.inbox(request.user)]
        return self.paginated(rows, RequestSerializer)

    def retrieve(self, request, pk=None):
        row = selectors.request_get(request.user, self.url_pk())
        if row is None:
            raise Http404
        return Response(RequestSerializer(row).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(RequestCreateSerializer)
        require(policies.may_request(request.user, data["subject"]))
        made, created = services.request_create(actor=request.user, **data)
        row = selectors.request_get(None, made.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(RequestSerializer(row).data, status=code)

    @extend_schema(
        summary="Ask about every member of a cell",
        description="One request per party member reviewed in `unit` in `cycle`; those "
        "already asked are left as they are (`existing`), those exempt under HD 33 or with "
        "nothing registered for the source are listed with the reason (`skipped`).",
        request=CellRequestSerializer,
        responses={200: CellResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def cell(self, request):
        require_somewhere(request.user)
        data = self.parse_body(CellRequestSerializer)
        require(policies.may_request_in(request.user, data["unit"]))
        result = services.request_for_cell(actor=request.user, **data)
        body = {
            "created": RequestSerializer(result.created, many=True).data,
            "existing": RequestSerializer(result.existing, many=True).data,
            "skipped": [
                {"subject": s.pk, "name": s.person.full_name, "reason": str(reason)}
                for s, reason in result.skipped
            ],
        }
        return Response(body)

    @extend_schema(
        summary="Answer (or correct the answer to) a request",
        description="For those asked: whoever may change the unit asked, or the named person; "
        "never about oneself. Residence cell: `duties` (every QĐ 213 duty rated); employing "
        "agency: `state_tier`; others: `text` (+ `suggested_tier`). Send `revision` 0 for the "
        "first answer; a correction sends the version read and adds a version. A request "
        "answered meanwhile (twice, a stale page) is 400 and nothing changes.",
        request=AnswerWriteSerializer,
        responses={200: RequestSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        row = selectors.request_get(request.user, self.url_pk())
        if row is None:
            raise Http404
        require(policies.may_answer(request.user, row))
        data = self.parse_body(AnswerWriteSerializer)
        services.answer(request=row, actor=request.user, **data)
        return Response(RequestSerializer(selectors.request_get(None, row.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Peer comments on a subject",
        description="For the subject and whoever may see its self-review (the meeting): the "
        "texts without names, once at least `threshold` members have commented (the plan's "
        "setting, 3 by default); under it, the count only. Not paginated.",
        parameters=[SubjectQuerySerializer],
        responses={200: PeerCommentsSerializer, **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
    create=extend_schema(
        summary="Comment on a member of one's cell or collective",
        description="For a current member of the subject's cell (a seat in its collective), "
        "never on oneself, during the opinions and meeting stages. Writing again replaces "
        "one's comment. The author is stored with no link to the text: nobody but the "
        "author can read back whose it is (docs/opinions.md).",
        request=PeerCommentWriteSerializer,
        responses={201: OwnCommentSerializer, **WRITE_ERRORS},
    ),
)
class PeerCommentViewSet(ApiViewSet):
    queryset = Subject.objects.none()
    serializer_class = PeerCommentsSerializer
    pagination_class = None
    schema = _OneObject()

    def list(self, request):
        params = self.parse_query(SubjectQuerySerializer)
        subject = _subject_seen(request.user, params["subject"])
        seen = selectors.peer_comments(request.user, subject)
        if seen is None:
            raise Http404
        return Response(PeerCommentsSerializer(seen).data)

    def create(self, request):
        require(bool(getattr(request.user, "person_id", None)))
        data = self.parse_body(PeerCommentWriteSerializer)
        subject = selectors.peer_subjects(request.user).filter(pk=data["subject"]).first()
        if subject is None:
            raise Http404
        made = services.peer_comment_write(subject=subject, actor=request.user, text=data["text"])
        return Response(OwnCommentSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Who has not commented yet",
        description="For the secretary and staff of the subject's unit: the members who may "
        "comment on the subject and have not. Never who wrote what.",
        parameters=[SubjectQuerySerializer],
        responses={
            200: MissingListSerializer,
            **LIST_ERRORS,
            403: WRITE_ERRORS[403],
            404: READ_ERRORS[404],
        },
    )
    @action(detail=False, methods=["get"])
    def missing(self, request):
        params = self.parse_query(SubjectQuerySerializer)
        subject = _subject_seen(request.user, params["subject"])
        people = selectors.not_commented(request.user, subject)
        require(people is not None)
        body = {"subject": subject.pk, "people": people}
        return Response(MissingListSerializer(body).data)


@extend_schema_view(
    list=extend_schema(
        summary="The chi ủy's comment and the conclusion on a self-review",
        description="Every version, newest first, for whoever sees the subject.",
        parameters=[SubjectQuerySerializer],
        responses={200: NoteSerializer(many=True), **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
    create=extend_schema(
        summary="Write the chi ủy's comment or the approving level's conclusion",
        description="`cell_comment`: the cell committee or secretary (`change` on the "
        "subject's unit); `conclusion`: the level that decides for the subject. Never on "
        "oneself. Each write is a new version; `revision` is the version read (0: none).",
        request=NoteWriteSerializer,
        responses={201: NoteSerializer, **WRITE_ERRORS},
    ),
)
class ReviewNoteViewSet(ApiViewSet):
    queryset = ReviewNote.objects.none()
    serializer_class = NoteSerializer

    def list(self, request):
        params = self.parse_query(SubjectQuerySerializer)
        subject = _subject_seen(request.user, params["subject"])
        rows = ReviewNote.objects.filter(subject=subject).select_related("written_by")
        return self.paginated(rows.order_by("kind", "-version"), NoteSerializer)

    def create(self, request):
        require(policies.may_write_notes_somewhere(request.user))
        data = self.parse_body(NoteWriteSerializer)
        require(may_write_note(request.user, data["subject"], data["kind"]))
        made = notes.note_write(actor=request.user, **data)
        return Response(NoteSerializer(made).data, status=status.HTTP_201_CREATED)
