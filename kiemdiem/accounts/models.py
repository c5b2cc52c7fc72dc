"""Users and their grants. A grant gives one role on one unit and covers its whole subtree."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class User(AbstractUser):
    """A login. Linked to the person it belongs to, when it belongs to one."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="vi"
    )
    # Raised by "sign out everywhere": part of the session hash, so every session signed in
    # before it stops being valid (as a password change does).
    session_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):
        # set_password() leaves the new raw password in _password until the save; a login that
        # only rehashes the same password clears it first, so that one keeps the tokens.
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if password_changed:
            from knox.models import AuthToken

            AuthToken.objects.filter(user=self).delete()

    def _get_session_auth_hash(self, secret=None):
        if not self.session_version:  # sessions from before the field keep working
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "kiemdiem.accounts.User.session",
            f"{self.password}|{self.session_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    STAFF = "staff", _("Organization staff")
    DECIDER = "decider", _("Decision maker")
    SECRETARY = "secretary", _("Cell secretary")
    INSPECTOR = "inspector", _("Inspector")
    MEMBER = "member", pgettext_lazy("role", "Party member")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    CHANGE = "change", _("change")
    VIEW_AUDIT = "view_audit", _("view the audit log")
    MANAGE_ACCESS = "manage_access", _("manage users and roles")
    DECIDE = "decide", _("decide ratings")


# What each role may do inside the subtree of its unit. Members get nothing on the subtree:
# they see their own records (and their own unit's page) only.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {Action.VIEW, Action.CHANGE, Action.VIEW_AUDIT, Action.MANAGE_ACCESS, Action.DECIDE}
    ),
    Role.STAFF: frozenset({Action.VIEW, Action.CHANGE, Action.VIEW_AUDIT}),
    Role.DECIDER: frozenset({Action.VIEW, Action.VIEW_AUDIT, Action.DECIDE}),
    Role.SECRETARY: frozenset({Action.VIEW, Action.CHANGE}),
    Role.INSPECTOR: frozenset({Action.VIEW, Action.VIEW_AUDIT}),
    Role.MEMBER: frozenset(),
}


class Grant(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "orgtree.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="grants"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path_field = "unit__path"

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_grant")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"
