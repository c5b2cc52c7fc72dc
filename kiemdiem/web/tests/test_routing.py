"""One routing convention: each app lists its own pages in its ``urls.py``; the site's URL map
only includes them."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern


def _routes(patterns=None, prefix="", urlconf="config.urls", plain=True):
    """(full pattern, name, declaring urls module, view module, route syntax only) per route."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        route_syntax = plain and isinstance(entry.pattern, RoutePattern)
        if isinstance(entry, URLResolver):
            # The admin's patterns come as a list, not a module: Django's, not ours.
            module = getattr(entry.urlconf_module, "__name__", "django.contrib.admin")
            yield from _routes(
                entry.url_patterns, prefix + str(entry.pattern), module, route_syntax
            )
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", entry.callback)
            yield prefix + str(entry.pattern), entry.name, urlconf, view.__module__, route_syntax


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "kiemdiem" and len(parts) > 2 else None


def test_every_page_is_declared_by_the_app_that_serves_it():
    misplaced = [
        (pattern, declared_in, view_module)
        for pattern, _name, declared_in, view_module, _ in _routes()
        if declared_in.startswith(("kiemdiem.", "config."))  # the admin maps its own pages
        and _app(view_module)
        and _app(view_module) != _app(declared_in)
    ]
    assert misplaced == []


def test_the_site_map_only_includes_the_apps():
    """``config.urls`` and ``web.urls`` declare no page of another app, only web's own."""
    declared_here = [
        (pattern, view_module)
        for pattern, _name, declared_in, view_module, _ in _routes()
        if declared_in in ("config.urls", "kiemdiem.web.urls")
    ]
    assert ("", "kiemdiem.web.views") in declared_here
    assert [row for row in declared_here if not row[1].startswith("kiemdiem.web.")] == []


def _sample(pattern: str) -> str:
    """A path the pattern matches: 7 for every number, "x" for every text."""
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: "7" if m[1] == "int" else "x", pattern)


def test_every_page_answers_to_its_own_name():
    """No page's pattern shadows another's, so the order of the includes does not matter."""
    checked = 0
    for pattern, name, _declared_in, _view, route_syntax in _routes():
        if not route_syntax or name is None or pattern.startswith("admin/"):
            continue
        assert resolve(_sample(pattern)).url_name == name, pattern
        checked += 1
    assert checked > 60
