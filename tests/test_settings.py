"""Settings as they run outside the test process: production checks, embedded SQLite."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-1234567890",
            "KIEMDIEM_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage(
        "check",
        env={"DJANGO_SETTINGS_MODULE": "config.settings.prod", "KIEMDIEM_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_embedded_sqlite_runs_in_wal_mode(tmp_path):
    code = (
        "from django.db import connection\n"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = manage(
        "shell",
        "-c",
        code,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.dev", "KIEMDIEM_VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["wal", "IMMEDIATE"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_serves_as_production_does(tmp_path):
    """bin/demo's way: demo settings (prod without HTTPS) behind gunicorn, static via WhiteNoise."""
    import time
    import urllib.error
    import urllib.request

    env = {"DJANGO_SETTINGS_MODULE": "config.settings.demo", "KIEMDIEM_VAR_DIR": str(tmp_path)}
    for step in (("migrate", "--verbosity", "0"), ("collectstatic", "--noinput", "-v", "0")):
        result = manage(*step, env=env)
        assert result.returncode == 0, result.stderr
    port = _free_port()
    server_env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    server_env.update(env, KIEMDIEM_BIND=f"127.0.0.1:{port}", KIEMDIEM_WORKERS="1")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"

    def get(path):
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    try:
        for _ in range(100):
            try:
                status, headers, login = get("/login/")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(server.stderr.read().decode() if server.poll() else "no answer")
        assert status == 200 and headers["Server"].startswith("gunicorn")
        assert "Đăng nhập" in login
        css = next(part for part in login.split('"') if part.endswith(".css"))
        assert ".css" in css and css.count(".") >= 2  # the hashed name of the manifest storage
        assert get(css)[0] == 200
        status, headers, missing = get("/khong-co-trang-nay/")
        assert status == 404 and "Không tìm thấy" in missing
        assert "Traceback" not in missing and "DEBUG = True" not in missing
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_server_error_page_is_vietnamese_and_stands_alone():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("vi"):
        page = render_to_string("500.html")
    assert "Đã xảy ra lỗi" in page and "{%" not in page


def test_development_reports_the_content_policy_and_production_enforces_it(tmp_path):
    """Django's debug pages style themselves without our nonce: readable in development,
    while everything deployed (production, the demo) enforces the policy."""
    code = (
        "from django.conf import settings as s; "
        "print(bool(s.CONTENT_SECURITY_POLICY), bool(getattr(s, 'CONTENT_SECURITY_POLICY_REPORT_ONLY', None)))"
    )
    env = {"KIEMDIEM_VAR_DIR": str(tmp_path), "DJANGO_SECRET_KEY": "k" * 60}
    dev = manage("shell", "-c", code, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev"})
    demo = manage(
        "shell", "-c", code, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.demo"}
    )
    assert dev.stdout.split()[-2:] == ["False", "True"], dev.stderr
    assert demo.stdout.split()[-2:] == ["True", "False"], demo.stderr
