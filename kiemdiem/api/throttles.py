"""Rate limits keyed by the client's real address (``accounts.client_ip``), not DRF's own
reading of X-Forwarded-For, so that the API and the login throttle agree on who a client is."""

from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle

from kiemdiem.accounts.client_ip import client_ip


class AnonThrottle(AnonRateThrottle):
    """Anonymous requests: ``anon`` rate per address."""

    def get_ident(self, request):
        return client_ip(request) or "unknown"


class ScopedThrottle(ScopedRateThrottle):
    """Views with ``throttle_scope``: that scope's rate per address (signed in or not)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request):
        return client_ip(request) or "unknown"
