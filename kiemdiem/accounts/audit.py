"""Accounts' audit actions, registered in ``AccountsConfig.ready``."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Role, User
from kiemdiem.audit.registry import Field, register


def _user_fields(value, ctx) -> str:
    """The admin's list of changed user fields, by their labels."""
    names = []
    for name in value if isinstance(value, list) else [value]:
        try:
            names.append(str(capfirst(User._meta.get_field(name).verbose_name)))
        except FieldDoesNotExist:
            names.append(ctx.text(name))
    return ", ".join(names)


# Where a change was made, when not through the application's own pages.
VIA = Field(_("Made in"), choices={"admin": _("the administration site")})
GRANT = {
    "role": Field(_("Role"), choices=dict(Role.choices)),
    "unit": Field(_("Unit"), ref="unit"),
}


def register_actions() -> None:
    register(
        "user.created",
        _("User created"),
        {
            "username": Field(_("User name")),
            "person": Field(_("Person"), hidden=True),  # the entry's object is the user
            "via": VIA,
        },
    )
    register(
        "user.updated",
        _("User updated"),
        {
            "language": Field(_("Language"), choices=dict(settings.LANGUAGES)),
            "fields": Field(_("Fields changed"), render=_user_fields, many=True),
            "via": VIA,
        },
    )
    register("grant.added", _("Role granted"), GRANT)
    register("grant.revoked", _("Role revoked"), GRANT)
    register("user.password_changed", _("Password changed"))
    register(
        "user.signed_out_everywhere",
        _("Signed out everywhere"),
        {"tokens": Field(_("API tokens revoked"))},
    )
    # Never the secret: the first characters that name the token.
    prefix = {"prefix": Field(_("Token (first characters)"))}
    register("token.created", _("API token created"), prefix)
    register("token.revoked", _("API token revoked"), prefix)
