"""API tokens (django-rest-knox): hashed, expiring, listed and revoked by their owner,
revoked by a password change; the token endpoint throttled per address; the docs need a login
and load nothing from another host."""

import datetime
import re

from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry

PASSWORD = "pass12345!"


def _get_token(username="staff_b", password=PASSWORD, **extra):
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


def _client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_token_is_stored_hashed_and_expires_after_the_configured_days(province, settings):
    response = _get_token()
    assert response.status_code == 200, response.content
    body = response.json()
    token = body["token"]
    [stored] = AuthToken.objects.filter(user=province.users["staff_b"])
    # Only a digest is kept: the token itself is nowhere in the row.
    assert token not in {stored.digest, stored.token_key} and len(stored.digest) == 128
    assert stored.token_key == token[:15]
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert abs(stored.expiry - (timezone.now() + ttl)) < datetime.timedelta(minutes=1)
    assert body["expiry"] and datetime.datetime.fromisoformat(body["expiry"]) == stored.expiry
    assert LogEntry.objects.filter(action="token.created", actor__username="staff_b").exists()


def test_expired_token_is_refused(province):
    token = _get_token().json()["token"]
    AuthToken.objects.filter(user=province.users["staff_b"]).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = _client(token).get("/api/me/")
    assert response.status_code == 401
    assert not AuthToken.objects.filter(user=province.users["staff_b"]).exists()


def test_a_stale_token_in_the_header_does_not_block_getting_a_new_one(province):
    response = _get_token(HTTP_AUTHORIZATION="Token stale-and-wrong")
    assert response.status_code == 200


def test_password_change_revokes_every_token(province):
    user = province.users["staff_b"]
    tokens = [_get_token().json()["token"] for _ in range(2)]
    assert _client(tokens[0]).get("/api/me/").status_code == 200
    user.set_password("a-new-pass-2026!")
    user.save()
    for token in tokens:
        assert _client(token).get("/api/me/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_rehashing_the_same_password_at_login_keeps_the_tokens(province, settings):
    """Django upgrades a password's hash when the user signs in; that is no password change."""
    user = province.users["staff_b"]
    token = _get_token().json()["token"]
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert user.check_password(PASSWORD)  # rehashes with PBKDF2 and saves
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_")
    assert _client(token).get("/api/me/").status_code == 200


def test_user_lists_own_tokens_without_secrets_and_revokes_one(province):
    first = _get_token().json()["token"]
    second = _get_token().json()["token"]
    _get_token("staff_a")  # someone else's
    client = _client(second)
    listed = client.get("/api/auth/tokens/").json()
    assert len(listed) == 2
    assert {t["id"] for t in listed} == {first[:15], second[:15]}
    assert [t["current"] for t in listed] == [True, False]  # newest first
    for entry in listed:
        assert set(entry) == {"id", "prefix", "created", "expiry", "current"}
        assert len(entry["prefix"]) == 8 and entry["expiry"]
    assert first not in str(listed) and second not in str(listed)

    assert client.delete(f"/api/auth/tokens/{first[:15]}/").status_code == 204
    assert _client(first).get("/api/me/").status_code == 401
    assert client.get("/api/me/").status_code == 200
    assert LogEntry.objects.filter(action="token.revoked", actor__username="staff_b").exists()
    # Someone else's token, or one already gone, is not found.
    other = AuthToken.objects.get(user=province.users["staff_a"])
    assert client.delete(f"/api/auth/tokens/{other.token_key}/").status_code == 404
    assert client.delete(f"/api/auth/tokens/{first[:15]}/").status_code == 404
    assert AuthToken.objects.filter(user=province.users["staff_a"]).exists()


def test_token_list_needs_authentication(db):
    assert APIClient().get("/api/auth/tokens/").status_code == 401


def test_sign_out_everywhere_revokes_tokens(province):
    user = province.users["staff_b"]
    token = _get_token().json()["token"]
    assert accounts.sign_out_everywhere(user=user, actor=user) == 1
    assert _client(token).get("/api/me/").status_code == 401


def test_password_spray_from_one_address_is_throttled(province, settings):
    """60 different user names in a row from one address: 429 long before the end."""
    statuses = [_get_token(f"guess{i}", "Password1").status_code for i in range(60)]
    assert statuses[0] == 400
    assert 429 in statuses
    first_429 = statuses.index(429)
    assert first_429 <= settings.KIEMDIEM_LOGIN_IP_FAILURE_LIMIT
    assert set(statuses[first_429:]) == {429}
    # The body is JSON that says why.
    response = _get_token("guess-more", "Password1")
    assert response.status_code == 429 and response.json()["detail"]
    # The right password from that address is refused too, for now.
    assert _get_token().status_code == 429
    # Another address is not affected.
    assert _get_token(REMOTE_ADDR="10.9.9.9").status_code == 200


def test_token_endpoint_has_its_own_rate_per_address(province, monkeypatch):
    # Rates are read into the throttle class when DRF loads; set them there.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/min", "token": "3/min"}
    )
    assert [_get_token().status_code for _ in range(4)] == [200, 200, 200, 429]
    assert _get_token(REMOTE_ADDR="10.1.1.1").status_code == 200


def test_anonymous_api_requests_are_throttled(db, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "token": "1000/min"}
    )
    assert [_get_token("nobody", "x").status_code for _ in range(3)] == [400, 400, 429]


def test_failures_on_a_name_from_other_addresses_do_not_lock_the_user_at_theirs(province, settings):
    for address in ["10.0.0.1", "10.0.0.2", "10.0.0.3"]:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _get_token("staff_b", "wrong", REMOTE_ADDR=address)
        assert _get_token("staff_b", REMOTE_ADDR=address).status_code == 429
    assert _get_token("staff_b").status_code == 200  # from 127.0.0.1, the user's own


def test_forwarded_address_counts_only_behind_a_trusted_proxy(province, settings):
    """Without KIEMDIEM_TRUSTED_PROXIES a forged X-Forwarded-For changes nothing: the failures
    count against the real address. With the proxy trusted, each forwarded client counts
    on its own."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        _get_token("staff_b", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert _get_token("staff_b").status_code == 429  # same REMOTE_ADDR: locked

    settings.KIEMDIEM_TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _get_token("staff_a", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert _get_token("staff_a", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert _get_token("staff_a", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_docs_need_a_login_and_load_nothing_from_another_host(client, province):
    assert client.get("/api/docs/").status_code == 401
    assert client.get("/api/docs/?script=").status_code == 401
    client.force_login(province.users["member"])
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    script = client.get("/api/docs/?script=").content.decode()
    for text in (html, script):
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), text
        assert "cdn" not in text.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<script>" not in html  # the script is a file (the CSP allows no inline script)
