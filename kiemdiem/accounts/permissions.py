"""The permission door. Every read of scoped data goes through ``restrict``.

A user's grants become a list of path prefixes once per request (cached on the user object),
and a queryset is narrowed with one filter on the model's path: a subtree test that the path
index answers. Models say where their path is with ``scope_path_field`` (e.g. "unit__path"), or
give ``scope_q(prefixes)`` when the rule is richer (a person is in scope through their current
affiliations). Members see their own records through ``owner_q(person_id)``.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.functional import LazyObject, empty

from kiemdiem.accounts.models import ROLE_ACTIONS, Action, Grant

ALL = "__all__"


def _minimal(prefixes: set[str]) -> list[str]:
    """Drop prefixes already covered by a shorter one."""
    kept: list[str] = []
    for prefix in sorted(prefixes):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return kept


def scope_prefixes(user, action: Action) -> list[str] | str:
    """Path prefixes of the subtrees where ``user`` may do ``action`` (or ALL, or []).

    ``action`` is a member of the ``Action`` enum. Anything else is a programming error, not
    "nothing allowed": a typo such as "veiw" would otherwise hide every row without a word, and
    a bare string is how such typos get in.
    """
    if not isinstance(action, Action):
        raise ValueError(f"{action!r} is not an Action: name the action with the Action enum")
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    cache = _cache_of(user)
    if action not in cache:
        cache[action] = _minimal(
            {path for role, path in _grants(user) if action in ROLE_ACTIONS[role]}
        )
    return cache[action]


def _grants(user) -> list[tuple[str, str]]:
    """(role, unit path) of the user's grants on units that exist: read once per request
    (cached on the user object), for every action and role the request asks about."""
    cache = _cache_of(user)
    if "grants" not in cache:
        cache["grants"] = list(
            Grant.objects.filter(user=user, unit__valid_to__isnull=True).values_list(
                "role", "unit__path"
            )
        )
    return cache["grants"]


def remember_grants(user, grants: list[tuple[str, str]]) -> None:
    """Give the door ``user``'s grants read elsewhere in this request (the sign-in backend
    reads them with the user: ``accounts.backends``), as ``_grants`` would read them."""
    _cache_of(user)["grants"] = list(grants)


def roles_of(user) -> set[str]:
    """The roles ``user`` holds on units that exist (the same read as ``scope_prefixes``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    return {role for role, _path in _grants(user)}


def forget_scope(user) -> None:
    """Drop the cached scope (after grants change)."""
    _cache_of(user).clear()


def _cache_of(user) -> dict:
    """The request's cache of ``user``'s grants and scopes, kept on the user object itself
    (``request.user`` is a lazy wrapper: the cache goes on what it wraps, where the sign-in
    backend put the grants)."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user.__dict__.setdefault("_kiemdiem_scope_cache", {})


def under(field: str, prefixes: list[str]) -> Q:
    """Rows whose ``field`` (a unit path) lies in the subtrees ``prefixes`` (a list of path
    prefixes, not ``ALL``: the caller says what the whole tree means for it)."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def _scope_q(model: type[Model], prefixes: list[str]) -> Q:
    if hasattr(model, "scope_q"):
        return model.scope_q(prefixes)
    return under(model.scope_path_field, prefixes)


def _owner_q(model: type[Model], user) -> Q | None:
    person_id = getattr(user, "person_id", None)
    if person_id and hasattr(model, "owner_q"):
        return model.owner_q(person_id)
    return None


def restrict(queryset: QuerySet, user, action: Action = Action.VIEW) -> QuerySet:
    """Narrow ``queryset`` to what ``user`` may do ``action`` on."""
    prefixes = scope_prefixes(user, action)
    if prefixes == ALL:
        return queryset
    q = _scope_q(queryset.model, prefixes) if prefixes else Q(pk__in=[])
    if action == Action.VIEW:
        own = _owner_q(queryset.model, user)
        if own is not None:
            q |= own
    return queryset.filter(q)


def can(user, action: Action, obj: Model) -> bool:
    """Whether ``user`` may do ``action`` on one object (same rule as ``restrict``)."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def get_or_404(queryset: QuerySet, user, action: Action = Action.VIEW, **lookup) -> Model:
    """One object through the door; missing and forbidden look the same (404)."""
    obj = restrict(queryset, user, action).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def has_any(user, action: Action) -> bool:
    prefixes = scope_prefixes(user, action)
    return prefixes == ALL or bool(prefixes)
