"""Audit action codes, registered once with a translatable label."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "unit.created": _("Unit created"),
    "unit.updated": _("Unit updated"),
    "unit.moved": _("Unit moved"),
    "unit.merged": _("Units merged"),
    "unit.split": _("Unit split"),
    "unit.dissolved": _("Unit dissolved"),
    "person.created": _("Person created"),
    "person.updated": _("Person updated"),
    "member.admitted": _("Party membership recorded"),
    "member.updated": _("Party membership updated"),
    "member.status_changed": _("Membership status changed"),
    "affiliation.started": _("Affiliation started"),
    "affiliation.ended": _("Affiliation ended"),
    "affiliation.updated": _("Affiliation start date corrected"),
    "member.transferred": _("Member transferred"),
    "authority.assigned": _("Cadre-management authority assigned"),
    "user.created": _("User created"),
    "user.updated": _("User updated"),
    "grant.added": _("Role granted"),
    "grant.revoked": _("Role revoked"),
    "user.password_changed": _("Password changed"),
    "user.signed_out_everywhere": _("Signed out everywhere"),
    "token.created": _("API token created"),
    "token.revoked": _("API token revoked"),
    "cycle.opened": _("Review cycle opened"),
    "cycle.subjects_generated": _("Subject list generated"),
    "cycle.closed": _("Review cycle closed"),
    "plan.issued": _("Plan issued"),
    "plan.returned": _("Plan sent back"),
    "plan.revised": _("Plan revised"),
    "subject.excluded": _("Subject taken out of the rating"),
    "subject.added": _("Subject added"),
    "import.committed": _("File imported"),
    "subject.rated": _("Rating recorded"),
    "review.started": _("Self-review started"),
    "review.submitted": _("Self-review submitted"),
    "review.amendment_started": _("Self-review amendment started"),
    "review.returned": _("Self-review sent back"),
    "review.linked": _("Members' reviews linked to the collective's report"),
    "review.suggestion_added": _("Review content suggested"),
}


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))
