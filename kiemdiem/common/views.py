"""Helpers for the server-rendered views."""

from django.core.paginator import Paginator
from django.shortcuts import render


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


def paginate(request, queryset, per_page: int = 50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
