"""The client's address: X-Forwarded-For only from a trusted proxy, read from the right."""

import pytest
from django.test import RequestFactory

from kiemdiem.accounts.client_ip import client_ip


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.KIEMDIEM_TRUSTED_PROXIES = []
    assert client_ip(_request("192.0.2.10", "203.0.113.5")) == "192.0.2.10"


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.2", "203.0.113.5", "203.0.113.5"),
        # A client that writes its own header: the proxy appends the real address last.
        ("10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),
        # Two proxies in a row, both trusted (a network): the first untrusted from the right.
        ("10.0.0.2", "203.0.113.5, 10.0.0.9", "203.0.113.5"),
        ("10.0.0.2", "2001:db8::1", "2001:db8::1"),
        # No header, or garbage in it: the proxy's own address.
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        # A request that did not come through the proxy: its header is not believed.
        ("192.0.2.10", "203.0.113.5", "192.0.2.10"),
    ],
)
def test_behind_a_trusted_proxy(settings, remote, forwarded, expected):
    settings.KIEMDIEM_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(_request(remote, forwarded)) == expected
