"""Writes about users and grants. Atomic and audited.

Each write checks ``accounts.policies`` for its ``actor`` first and refuses with
``PermissionDenied`` (nothing changed); ``actor=None`` is the system (demo, commands, fixtures).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.accounts import policies
from kiemdiem.accounts.models import Grant, Role, User
from kiemdiem.accounts.permissions import forget_scope
from kiemdiem.audit.services import log_action
from kiemdiem.common import memo


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    person=None,
    email: str = "",
    language: str = "vi",
    is_superuser: bool = False,
    actor,
) -> User:
    policies.check(policies.may_create_user(actor))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = User(
        username=username,
        email=email,
        person=person,
        language=language,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if person is not None:
        user.first_name, user.last_name = person.given_name, person.family_name
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    log_action(
        "user.created",
        actor=actor,
        target=user,
        data={"username": username, "person": person.pk if person else None},
    )
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str, actor) -> User:
    policies.check(policies.may_manage_own(actor, user))
    if language not in dict(User._meta.get_field("language").choices):
        raise ValidationError({"language": _("Unknown language.")})
    if user.language != language:
        old = user.language
        user.language = language
        user.save(update_fields=["language"])
        log_action(
            "user.updated",
            actor=actor,
            target=user,
            data={"changes": {"language": [old, language]}},
        )
    return user


@transaction.atomic
def password_changed(*, user: User, actor) -> None:
    """Record a password change (Django's view sets the password itself)."""
    log_action("user.password_changed", actor=actor, target=user)


@transaction.atomic
def grant_add(*, user: User, role: str, unit, actor) -> Grant:
    policies.check(policies.may_grant(actor, unit))
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if not unit.is_active:
        raise ValidationError({"unit": _("This unit has been dissolved.")})
    grant, created = Grant.objects.get_or_create(user=user, role=role, unit=unit)
    if not created:
        raise ValidationError({"role": _("The user already has this role on this unit.")})
    forget_scope(user)
    # Their menu and start page change with the grant: recomputed on their next page.
    transaction.on_commit(lambda: memo.forget(user.pk))
    log_action(
        "grant.added", actor=actor, target=user, unit=unit, data={"role": role, "unit": unit.pk}
    )
    return grant


@transaction.atomic
def grant_revoke(*, grant: Grant, actor) -> None:
    policies.check(policies.may_revoke(actor, grant))
    user, unit, role = grant.user, grant.unit, grant.role
    grant.delete()
    forget_scope(user)
    transaction.on_commit(lambda: memo.forget(user.pk))
    log_action(
        "grant.revoked", actor=actor, target=user, unit=unit, data={"role": role, "unit": unit.pk}
    )


# --- API tokens and sessions -----------------------------------------------------------


def tokens_of(user: User):
    """The user's API tokens that have not expired, newest first."""
    from knox.models import AuthToken

    return (
        AuthToken.objects.filter(user=user)
        .filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))
        .order_by("-created")
    )


@transaction.atomic
def token_create(*, user: User, actor):
    """A new API token for ``user``: (the stored token, the secret, shown this once)."""
    policies.check(policies.may_manage_own(actor, user))
    from knox.models import AuthToken

    instance, secret = AuthToken.objects.create(user=user)
    log_action("token.created", actor=actor, target=user, data={"prefix": instance.token_key[:8]})
    return instance, secret


@transaction.atomic
def token_revoke(*, token, actor) -> None:
    policies.check(policies.may_manage_own(actor, token.user))
    user, prefix = token.user, token.token_key[:8]
    token.delete()
    log_action("token.revoked", actor=actor, target=user, data={"prefix": prefix})


@transaction.atomic
def sign_out_everywhere(*, user: User, actor) -> int:
    """Delete all the user's API tokens and end all their sessions; the number of tokens."""
    policies.check(policies.may_manage_own(actor, user))
    from knox.models import AuthToken

    count, _ = AuthToken.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
    log_action("user.signed_out_everywhere", actor=actor, target=user, data={"tokens": count})
    return count
