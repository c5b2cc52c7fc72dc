"""Helpers for the server-rendered views."""

from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_ID = 2**63 - 1  # the largest primary key the databases store


def htmx_partial(request) -> bool:
    """True for an htmx request that wants a fragment (not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render_page(request, template: str, context: dict, partial: str | None = None, status=200):
    """Render the full page, or only ``partial`` of it for htmx requests."""
    name = f"{template}#{partial}" if partial and htmx_partial(request) else template
    response = render(request, name, context, status=status)
    response["Vary"] = "HX-Request"
    return response


def paginate(request, queryset, per_page: int = 50, *, count: int | None = None):
    """The page the request asks for; ``count``, when the caller knows it already, spares
    the paginator its own ``COUNT(*)``."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not computed
    return paginator.get_page(request.GET.get("page"))


def query_id(request, name: str) -> int | None:
    """The id in the query parameter ``name``; None when it is absent or empty. Anything that
    cannot be an id is a bad request (400 and the error page), never a crash."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 19 and 0 < int(value) <= MAX_ID):
        raise BadRequest(_("“%(name)s” must be the number of a record.") % {"name": name})
    return int(value)
