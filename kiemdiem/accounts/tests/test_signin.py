"""Web sign-in: lockout per name and address, password spray, password change and "sign out
everywhere" revoking tokens and sessions, the token page, session age, the CSP header."""

import pytest
from django.test import Client
from knox.models import AuthToken

from kiemdiem.audit.models import LogEntry

PASSWORD = "pass12345!"


def _login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_password_spray_from_one_address_locks_the_address(province, settings):
    client = Client()
    statuses = [_login(client, f"guess{i}", "Password1").status_code for i in range(60)]
    limit = settings.KIEMDIEM_LOGIN_IP_FAILURE_LIMIT
    assert set(statuses[: limit - 1]) == {200}  # the form again, with an error
    assert set(statuses[limit:]) == {429}
    locked = _login(client, "staff_b")  # even the right password, from this address
    assert locked.status_code == 429
    assert "Đăng nhập từ địa chỉ này bị khóa" in locked.content.decode()
    # Another address signs in.
    assert _login(Client(REMOTE_ADDR="10.2.2.2"), "staff_b").status_code == 302


def test_failures_on_a_name_from_other_addresses_do_not_lock_the_user_at_theirs(province, settings):
    for address in ["10.0.0.1", "10.0.0.2"]:
        attacker = Client(REMOTE_ADDR=address)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(attacker, "staff_b", "wrong")
        assert _login(attacker, "staff_b").status_code == 429
    assert _login(Client(), "staff_b").status_code == 302


def test_a_few_mistakes_then_the_right_password_signs_in(province):
    client = Client()
    for _ in range(3):
        assert _login(client, "staff_b", "wrong").status_code == 200
    assert _login(client, "staff_b").status_code == 302


def test_password_change_page_revokes_api_tokens_and_other_sessions(province):
    user = province.users["staff_b"]
    AuthToken.objects.create(user=user)
    other = Client()
    other.force_login(user)
    client = Client()
    client.force_login(user)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Mot-mat-khau-moi-2026",
            "new_password2": "Mot-mat-khau-moi-2026",
        },
    )
    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=user).exists()
    assert client.get("/account/").status_code == 200  # this session goes on
    assert other.get("/account/").status_code == 302  # the other one is over
    assert LogEntry.objects.filter(action="user.password_changed", object_id=user.pk).exists()


def test_sign_out_everywhere_ends_all_sessions_and_revokes_tokens(province):
    user = province.users["staff_b"]
    AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user)
    laptop, phone = Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    page = phone.get("/account/").content.decode()
    assert "Đăng xuất mọi nơi" in page
    assert phone.get("/account/sign-out-everywhere/").status_code == 405  # POST only
    response = phone.post("/account/sign-out-everywhere/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "2" in response.content.decode()  # "2 API tokens revoked"
    assert not AuthToken.objects.filter(user=user).exists()
    for client in (laptop, phone):
        assert client.get("/account/").status_code == 302
    entry = LogEntry.objects.get(action="user.signed_out_everywhere")
    assert entry.data == {"tokens": 2} and entry.actor == user
    # Signing in again works and lasts.
    again = Client()
    assert _login(again, "staff_b").status_code == 302
    assert again.get("/account/").status_code == 200


def test_token_page_lists_own_tokens_and_revokes_one(province):
    user = province.users["staff_b"]
    mine, secret = AuthToken.objects.create(user=user)
    kept, _ = AuthToken.objects.create(user=user)
    theirs, _ = AuthToken.objects.create(user=province.users["staff_a"])
    client = Client()
    client.force_login(user)
    page = client.get("/account/tokens/").content.decode()
    assert mine.token_key[:8] in page and kept.token_key[:8] in page
    assert theirs.token_key[:8] not in page and secret not in page
    response = client.post("/account/tokens/", {"revoke": mine.token_key})
    assert response.status_code == 302
    assert set(AuthToken.objects.filter(user=user)) == {kept}
    # Someone else's token cannot be revoked from here.
    client.post("/account/tokens/", {"revoke": theirs.token_key})
    assert AuthToken.objects.filter(pk=theirs.pk).exists()
    assert LogEntry.objects.filter(action="token.revoked").count() == 1


def test_token_page_needs_login(db):
    assert Client().get("/account/tokens/").status_code == 302


def test_session_lasts_one_working_day_by_default(province, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client = Client()
    response = _login(client, "staff_b")
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600


@pytest.mark.parametrize("url", ["/login/", "/account/"])
def test_pages_send_a_content_security_policy(province, url):
    client = Client()
    client.force_login(province.users["staff_b"])
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self'")
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"]


def test_sign_in_settings_come_from_the_environment(tmp_path):
    from tests.test_settings import manage

    code = (
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_AGE, s.REST_KNOX['TOKEN_TTL'].days, s.KIEMDIEM_TRUSTED_PROXIES,"
        " s.KIEMDIEM_LOGIN_IP_FAILURE_LIMIT, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": "x" * 50,
        "KIEMDIEM_VAR_DIR": str(tmp_path),
    }
    last_line = lambda result: result.stdout.splitlines()[-1].split()  # noqa: E731
    result = manage("shell", "-c", code, env=env)
    assert last_line(result) == ["28800", "30", "[]", "20", "True"], result.stderr
    env |= {
        "KIEMDIEM_SESSION_HOURS": "2.5",
        "KIEMDIEM_API_TOKEN_TTL": "7",
        "KIEMDIEM_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16",
        "KIEMDIEM_LOGIN_IP_FAILURE_LIMIT": "50",
    }
    result = manage("shell", "-c", code, env=env)
    expected = ["9000", "7", "['10.0.0.5',", "'10.1.0.0/16']", "50", "True"]
    assert last_line(result) == expected, result.stderr
