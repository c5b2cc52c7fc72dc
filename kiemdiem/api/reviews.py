"""The API of self-reviews, addressed by their subject (``/subjects/{id}/review/…``): read,
start, save the draft (its content checked against the form), submit, amend, send back, link
members' reviews into a collective's report, and the recorded versions. The routes are a
part of ``api.cycles.SubjectViewSet``."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.api.base import E400, READ_ERRORS, WRITE_ERRORS, require, require_open
from kiemdiem.api.enums import EnumField
from kiemdiem.api.exceptions import DETAIL_SCHEMA
from kiemdiem.api.fields import (
    CommentSerializer,
    ReasonSerializer,
    ScopedPrimaryKeyField,
    Text,
)
from kiemdiem.cycles.models import Subject, TierChoice
from kiemdiem.reviews import catalogue, shortcomings
from kiemdiem.reviews import engine as review_engine
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import (
    ReviewStatus,
    ReviewVersion,
    SelfReview,
    Shortcoming,
    ShortcomingSource,
    ShortcomingStatus,
    VersionKind,
)
from kiemdiem.reviews.policies import ReviewPolicy

# --- Serializers ----------------------------------------------------------------------


MAX_LINKS = 1_000  # members' reviews linked into one collective's report


class LinkableReviewField(ScopedPrimaryKeyField):
    """The id of a review that may be linked into a collective's report: one the caller may
    see, or one written in that collective (the view gives them as ``linkable``)."""

    def __init__(self, **kwargs):
        super().__init__(SelfReview, **kwargs)

    def get_queryset(self):
        linkable = self.context.get("linkable")
        visible = super().get_queryset()
        return visible if linkable is None else (visible | linkable).distinct()


class ReviewRefSerializer(serializers.ModelSerializer):
    status = EnumField(ReviewStatus, read_only=True)
    proposed_tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)

    class Meta:
        model = SelfReview
        fields = ["id", "status", "version", "proposed_tier", "submitted_at"]
        read_only_fields = fields


class ChecklistItemSerializer(serializers.Serializer):
    id = Text(read_only=True)
    label = Text(read_only=True)
    summary = serializers.BooleanField(
        read_only=True,
        help_text=_("The label is our summary of the official text, not its wording."),
    )


class FormSectionSerializer(serializers.Serializer):
    key = Text(read_only=True)
    type = serializers.ChoiceField(
        choices=[(t, t) for t in sorted(catalogue.SECTION_TYPES)], read_only=True
    )
    title = Text(read_only=True)
    help = Text(read_only=True)
    part = Text(
        read_only=True,
        help_text=_("The scored part of the 100-point frame the section belongs to, if any."),
    )
    scored = serializers.BooleanField(
        read_only=True,
        help_text=_(
            'The section takes points: {"text", "points"} for text, rows with '
            '"points" and "evidence" for products.'
        ),
    )
    items = serializers.SerializerMethodField(
        help_text=_("For a checklist: the items that can be ticked, by code.")
    )

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_items(self, section) -> list[dict]:
        if section.type != "checklist":
            return []
        items = [i for g in catalogue.checklists()[section.list].groups for i in g.items]
        return [{"id": i.id, "label": i.label, "summary": i.is_summary} for i in items]


class FormSerializer(serializers.Serializer):
    key = Text(read_only=True)
    code = Text(read_only=True)
    title = Text(read_only=True)
    sections = FormSectionSerializer(many=True, read_only=True)


class RatingInputSerializer(serializers.Serializer):
    """One input of the rating section, as the cycle's pinned rule set asks for it."""

    name = Text(read_only=True)
    type = Text(read_only=True)
    label = Text(read_only=True)
    values = serializers.ListField(child=Text(), read_only=True)
    min = serializers.DecimalField(max_digits=20, decimal_places=4, read_only=True, allow_null=True)
    max = serializers.DecimalField(max_digits=20, decimal_places=4, read_only=True, allow_null=True)


class ShortcomingSerializer(serializers.ModelSerializer):
    """A shortcoming as a row: found in a review (``source_review``) or carried into this one
    from the row found earlier (``carried_from``), with what this review reports on it."""

    source = EnumField(ShortcomingSource, read_only=True)
    status = EnumField(ShortcomingStatus, read_only=True)

    class Meta:
        model = Shortcoming
        fields = [
            "id",
            "source",
            "source_review",
            "carried_from",
            "text",
            "remedy_plan",
            "owner",
            "due_date",
            "status",
            "reported_in",
            "remedy_report",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    """A self-review: the form it follows, what is written, the self-proposed tier and the
    rule engine's result for the rating section as last saved. ``shortcomings_found`` and
    ``shortcomings_reported`` are the rows its shortcomings sections became."""

    status = EnumField(ReviewStatus, read_only=True)
    proposed_tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)
    form = serializers.SerializerMethodField()
    rating_inputs = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    shortcomings_found = serializers.SerializerMethodField()
    shortcomings_reported = serializers.SerializerMethodField()
    engine_result = serializers.SerializerMethodField()
    linked_reviews = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SelfReview
        fields = [
            "id",
            "subject",
            "form",
            "status",
            "content",
            "shortcomings_found",
            "shortcomings_reported",
            "proposed_tier",
            "engine_result",
            "rating_inputs",
            "version",
            "amendment_reason",
            "return_comment",
            "linked_reviews",
            "updated_at",
            "updated_by",
            "submitted_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        return super().to_representation(shortcomings.prefetch(instance))

    @extend_schema_field(serializers.JSONField())
    def get_content(self, review: SelfReview):
        """The sections as written; the remedies section read from the shortcomings' rows."""
        return shortcomings.content_for_page(review)

    @extend_schema_field(ShortcomingSerializer(many=True))
    def get_shortcomings_found(self, review: SelfReview):
        return ShortcomingSerializer(shortcomings.found(review), many=True).data

    @extend_schema_field(ShortcomingSerializer(many=True))
    def get_shortcomings_reported(self, review: SelfReview):
        return ShortcomingSerializer(shortcomings.reported(review), many=True).data

    @extend_schema_field(FormSerializer)
    def get_form(self, review: SelfReview):
        form = catalogue.forms().get(review.form_key)
        return FormSerializer(form).data if form is not None else None

    @extend_schema_field(serializers.JSONField())
    def get_engine_result(self, review: SelfReview):
        """The rule engine's result with its explanation (rebuilt from the content)."""
        return reviews.live_result(review)

    @extend_schema_field(RatingInputSerializer(many=True))
    def get_rating_inputs(self, review: SelfReview):
        return RatingInputSerializer(rating_inputs(review.subject) or [], many=True).data


rating_inputs = review_engine.inputs_of  # the inputs of the subject's rating section


class ReviewVersionSerializer(serializers.ModelSerializer):
    kind = EnumField(VersionKind, name="ReviewVersionKind", read_only=True)
    proposed_tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)
    content = serializers.JSONField(read_only=True)
    engine_result = serializers.JSONField(read_only=True)
    created_by_username = Text(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ReviewVersion
        fields = [
            "id",
            "number",
            "kind",
            "content",
            "proposed_tier",
            "engine_result",
            "note",
            "created_at",
            "created_by",
            "created_by_username",
        ]
        read_only_fields = fields


class ReviewSaveSerializer(serializers.Serializer):
    """The draft as a whole: it replaces what was saved before."""

    content = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text=_(
            "The form's sections by key (see `form.sections`): text for a text section "
            '({"text", "points"} when it is `scored`); {"text", "products": [{"name", "result"}]} '
            'for products (rows also with "points" and "evidence" when `scored`); '
            '{"checked": [item codes], '
            '"explanation"} for a checklist; [{"shortcoming", "remedy", "done"}] for '
            "shortcomings (last cycle's first, as GET answers them, their text kept; a "
            '"carried" key is accepted and ignored); {input name: value} for the rating (see '
            "`rating_inputs`; the share of shortcomings remedied is counted from the rows, a "
            "value sent for it is ignored)."
        ),
    )
    proposed_tier = EnumField(TierChoice, name="Tier", required=False, allow_blank=True, default="")
    revision = serializers.DateTimeField(
        help_text=_(
            "Required: the `updated_at` of the review this draft was written from. When the "
            "review has changed since (another window, another writer), the save is refused "
            "with 409 and nothing changes."
        ),
    )


class ReviewLinkSerializer(serializers.Serializer):
    reviews = LinkableReviewField(
        many=True,
        allow_empty=True,
        help_text=_("Ids of the members' reviews the collective's report refers to (all of them)."),
    )

    def to_internal_value(self, data):
        reviews = data.get("reviews") if isinstance(data, dict) else None
        if isinstance(reviews, list) and len(reviews) > MAX_LINKS:  # before one query per id
            raise serializers.ValidationError(
                {"reviews": [_("Link at most %(n)s reviews.") % {"n": MAX_LINKS}]}
            )
        return super().to_internal_value(data)


# --- Views ----------------------------------------------------------------------------


def _review_queryset() -> QuerySet:
    return SelfReview.objects.select_related("subject__cycle", "subject__unit").prefetch_related(
        Prefetch("linked_reviews", queryset=SelfReview.objects.only("pk"))
    )


# The routes of a subject's self-review, ``/subjects/{id}/review/…``: a part of
# ``api.cycles.SubjectViewSet``, which gives ``_subject()`` (the subject in the URL, through the
# door) and the rest of ``ApiViewSet``. (No docstring: the schema would print it.)
class SelfReviewRoutes:
    def _review(self, subject: Subject) -> SelfReview:
        review = _review_queryset().filter(subject=subject).first()
        if review is None:
            raise Http404
        return review

    def _writable_review(self) -> SelfReview:
        """The review of the subject in the URL, for its writer (``ReviewPolicy.may_write``);
        no change once the cycle is closed."""
        subject = self._subject()
        review = self._review(subject)
        require(ReviewPolicy(self.request.user, subject).may_write)
        require_open(subject.cycle)
        return review

    def _review_response(self, review: SelfReview, code=status.HTTP_200_OK) -> Response:
        review = _review_queryset().get(pk=review.pk)
        return Response(ReviewSerializer(review).data, status=code)

    @extend_schema(
        summary="The subject's self-review",
        description="Whoever sees the subject sees its review; a member of a leadership "
        "collective also sees the collective's submitted report. 404 until it is started.",
        responses={200: ReviewSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="review")
    def review(self, request, pk=None):
        return Response(ReviewSerializer(self._readable_review()).data)

    def _readable_review(self) -> SelfReview:
        """Through the door of subjects or, for a collective's submitted report read by its
        members, through the door of reviews."""
        pk, user = self.url_pk(), self.request.user
        subject = restrict(Subject.objects.all(), user, Action.VIEW).filter(pk=pk)
        review = _review_queryset().filter(subject__in=subject).first()
        if review is None:
            review = restrict(_review_queryset(), user, Action.VIEW).filter(subject_id=pk).first()
        if review is None:
            raise Http404
        return review

    @extend_schema(
        summary="Start the subject's self-review",
        description="For its writer: the person reviewed, the head of the unit whose report it "
        "is, or staff with `change` on the subject's unit (on someone's behalf). Creates the "
        "draft on the form of the cycle's rule set, last cycle's shortcomings filled in; if "
        "it already exists, answers it unchanged (200).",
        request=None,
        responses={200: ReviewSerializer, 201: ReviewSerializer, **WRITE_ERRORS},
    )
    @review.mapping.post
    def start_review(self, request, pk=None):
        subject = self._subject()
        require(ReviewPolicy(request.user, subject).may_write)
        require_open(subject.cycle)
        existed = SelfReview.objects.filter(subject=subject).exists()
        review = reviews.review_start(subject=subject, actor=request.user)
        return self._review_response(
            review, status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Save the draft",
        description="For its writer. `content` replaces the saved draft as a whole, section by "
        "section as `form.sections` describes them; a section of the wrong shape, an unknown "
        "section, checklist item or rating input is a 400 naming the section, and nothing is "
        "saved. The answer carries the rule engine's result for the rating (`engine_result`). "
        "Send `revision` (the `updated_at` you read): if the review changed since, the answer "
        "is 409 and the newer text stays.",
        request=ReviewSaveSerializer,
        responses={
            200: ReviewSerializer,
            409: OpenApiResponse(
                DETAIL_SCHEMA,
                description=_("The review changed after `revision`; nothing saved."),
            ),
            **WRITE_ERRORS,
        },
    )
    @review.mapping.put
    def save_review(self, request, pk=None):
        review = self._writable_review()
        data = self.parse_body(ReviewSaveSerializer)
        try:
            review = reviews.review_replace(
                review=review,
                content=data["content"],
                proposed_tier=data["proposed_tier"],
                actor=request.user,
                revision=data["revision"],
            )
        except reviews.StaleRevision as error:
            message = _(
                "The review was changed at %(time)s, after the revision you sent; nothing was "
                "saved. Read it again and send its updated_at as the revision."
            ) % {"time": error.changed_at}
            return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
        return self._review_response(review)

    @extend_schema(
        summary="Submit the review",
        description="For its writer. Locks it and records it as the next version. A member of "
        "a leadership collective submits after the collective's report.",
        request=None,
        responses={200: ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/submit")
    def submit_review(self, request, pk=None):
        review = reviews.review_submit(review=self._writable_review(), actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="Amend a submitted review",
        description="For its writer. Re-opens the review as a draft with the reason; the "
        "submitted versions stay on record and the next submission is the next version.",
        request=ReasonSerializer,
        responses={200: ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/amend")
    def amend_review(self, request, pk=None):
        review = self._writable_review()
        data = self.parse_body(ReasonSerializer)
        review = reviews.review_amend(review=review, reason=data["reason"], actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="Send a submitted review back to its writer",
        description="Needs `change` on the subject's unit, and not being its writer. The writer "
        "is notified with the comment.",
        request=CommentSerializer,
        responses={200: ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/return")
    def return_review(self, request, pk=None):
        subject = self._subject()
        review = self._review(subject)
        require(ReviewPolicy(request.user, subject).may_return)
        data = self.parse_body(CommentSerializer)
        require_open(subject.cycle)
        review = reviews.review_return(review=review, comment=data["comment"], actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="Link members' reviews into a collective's report",
        description="For the report's writer. `reviews` replaces the linked reviews; only "
        "reviews written in the same collective can be linked.",
        request=ReviewLinkSerializer,
        responses={200: ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/link")
    def link_reviews(self, request, pk=None):
        review = self._writable_review()
        subject = review.subject
        linkable = SelfReview.objects.filter(
            subject__cycle_id=subject.cycle_id,
            subject__unit_id=subject.unit_id,
            subject__person__isnull=False,
        )
        context = {**self.get_serializer_context(), "linkable": linkable}
        serializer = ReviewLinkSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        chosen = {r.pk for r in serializer.validated_data["reviews"]}
        members = list(SelfReview.objects.select_related("subject").filter(pk__in=chosen))
        reviews.review_link(review=review, members=members, actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="The review's recorded versions",
        description="Each submission, amendment and sending back, oldest first; never changed.",
        responses={200: ReviewVersionSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"], url_path="review/versions")
    def review_versions(self, request, pk=None):
        review = self._readable_review()
        rows = review.versions.select_related("created_by").order_by("number", "created_at", "pk")
        return self.paginated(rows, ReviewVersionSerializer)
