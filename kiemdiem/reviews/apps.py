from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "kiemdiem.reviews"
    verbose_name = _("Self-reviews")

    def ready(self):
        from kiemdiem.reviews import exporters as document_exporters

        document_exporters.register_exporters()  # its files in the documents registry
        from django.core import checks

        from kiemdiem.cycles import hooks
        from kiemdiem.reviews import audit
        from kiemdiem.reviews.catalogue import wording
        from kiemdiem.reviews.models import ReviewStatus, SelfReview
        from kiemdiem.reviews.services import check_rated_on_submitted_review

        audit.register_actions()
        # The user's own self-reviews and their cell's members lead the start page.
        from kiemdiem.common import todos as todo_registry
        from kiemdiem.reviews import todos

        todo_registry.register("reviews.mine", todos.my_reviews, order=20)
        todo_registry.register("reviews.cell", todos.cell_members_not_started, order=25)
        # A province's wording of checklist items is checked before the server starts.
        checks.register(wording.check, "kiemdiem")
        # cycles sits below reviews and does not import it: tell it what it needs to know
        # about self-reviews (cycles.hooks).
        hooks.register_rating_check(check_rated_on_submitted_review)
        hooks.register_review_states(
            hooks.ReviewStates(
                relation=SelfReview._meta.get_field("subject").related_query_name(),
                status_field="status",
                submitted=ReviewStatus.SUBMITTED,
                in_progress=(ReviewStatus.DRAFT, ReviewStatus.RETURNED),
            )
        )
