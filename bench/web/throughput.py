"""Benchmark: the throughput of the busiest pages against a bare signed-in page, on gunicorn.

The target (issue #14, "Web speed, measured"): with gunicorn as in production, the home, the
unit page, the progress board and the self-review autosave each reach ≥ 30 % of the throughput
of a signed-in view that returns a short text, on the same server, in the same run.

What it does, against a database that already holds the demo province (``manage.py load_demo``):

1. starts gunicorn with ``config/gunicorn.conf.py`` (the production file) and the demo's
   production settings plus one bare page (``bench_settings.py``, ``bench_urls.py``);
2. signs in through the login form as the demo's province staff (``tochuc``) and as members of
   the running cycle who have a draft (logins made for the run, one per client, so autosaves do
   not queue on one review's lock);
3. for each page, ``--clients`` processes with keep-alive sessions request it for ``--seconds``
   and count the answers (every answer must be 200 with the page's own content); the bare page
   is measured first and last, and each page's ratio is against their mean. With ``--rounds``
   this is repeated with shorter runs, each round against its own bare runs, and the median
   and lowest share are reported (the VM's speed drifts by a third within minutes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_speed \\
        .venv/bin/python bench/web/throughput.py --seconds 15 --clients 4 --workers 3
"""

from __future__ import annotations

import argparse
import html.parser
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PASSWORD = "bench-throughput-2026"


class _Inputs(html.parser.HTMLParser):
    """The named fields of the review form (inputs, textareas, selects) and their values."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.textareas: list[str] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[self._textarea] = ""
            self.textareas.append(self._textarea)
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def sign_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {username}: HTTP {answer.status_code}")
    return session


def _hammer(job) -> tuple[int, list[float]]:
    """One client: the same request again and again until the deadline; (answers, latencies)."""
    cookies, method, url, data, headers, must_contain, deadline = job
    session = requests.Session()
    session.cookies.update(cookies)
    count, latencies = 0, []
    # The clients share the server's two cores, so they do as little as they can: the form is
    # encoded once (the field that changes goes last) and answers are checked as bytes.
    expected = must_contain.encode()
    if method == "POST":
        body = dict(data)
        vary = body.pop("__vary__")
        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        value = body.pop(vary, "")
        fixed = urlencode(body) + "&" + urlencode({vary: value})
    while time.time() < deadline:
        t0 = time.perf_counter()
        if method == "GET":
            answer = session.get(url, headers=headers, allow_redirects=False)
        else:  # each autosave writes something new, as a writer typing does
            answer = session.post(
                url, data=f"{fixed}+{count}", headers=headers, allow_redirects=False
            )
        latencies.append((time.perf_counter() - t0) * 1000)
        if answer.status_code != 200 or expected not in answer.content:
            raise SystemExit(f"{url}: HTTP {answer.status_code}, {answer.text[:300]!r}")
        count += 1
    return count, latencies


def measure(name, jobs, seconds) -> dict:
    deadline = time.time() + seconds
    with multiprocessing.Pool(len(jobs)) as pool:
        results = pool.map(_hammer, [(*job, deadline) for job in jobs])
    count = sum(c for c, _ in results)
    latencies = sorted(x for _, ls in results for x in ls)
    p50 = latencies[len(latencies) // 2] if latencies else 0
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else 0
    row = {"name": name, "count": count, "rps": count / seconds, "p50": p50, "p95": p95}
    print(f"  {name:<34} {row['rps']:8.1f} req/s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    return row


def prepare(clients: int) -> dict:
    """Logins for the run (one member with a draft per client) and the pages' addresses."""
    import django

    django.setup()
    from django.core.management import call_command

    from kiemdiem.accounts import services as accounts
    from kiemdiem.accounts.models import User
    from kiemdiem.cycles.models import CycleStatus, ReviewCycle
    from kiemdiem.reviews.models import ReviewStatus, SelfReview

    call_command("collectstatic", interactive=False, verbosity=0)  # as bin/demo does
    staff = User.objects.get(username="tochuc")
    staff.set_password(PASSWORD)
    staff.save(update_fields=["password"])
    root = staff.grants.order_by("unit__path").first().unit
    cycle = ReviewCycle.objects.filter(status=CycleStatus.OPEN, root=root).order_by("-pk").first()
    drafts = list(
        SelfReview.objects.filter(
            subject__cycle=cycle, status=ReviewStatus.DRAFT, subject__person__isnull=False
        )
        .select_related("subject__person", "subject__unit")
        .order_by("pk")[: clients * 3]
    )
    members = []
    for review in drafts:
        person = review.subject.person
        if review.subject.person_id in {m[1] for m in members}:
            continue
        username = f"bench{person.pk}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts.user_create(username=username, password=None, person=person, actor=None)
            accounts.grant_add(user=user, role="member", unit=review.subject.unit, actor=None)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        members.append((username, person.pk, review.subject_id))
        if len(members) == clients:
            break
    if len(members) < clients:
        raise SystemExit(f"only {len(members)} drafts with a person in cycle {cycle.pk}")
    return {"root": root.pk, "cycle": cycle.pk, "members": members}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure the pages this many times, each round between two bare runs of its own",
    )
    parser.add_argument(
        "--memo-seconds",
        default=None,
        help="KIEMDIEM_MEMO_SECONDS for the server (0: no memos, every page computed afresh)",
    )
    parser.add_argument(
        "--pages",
        default="home,unit,board,autosave",
        help="which pages to measure between the two bare runs (comma-separated)",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database holding the demo province")
    sys.path[:0] = [str(ROOT), str(HERE)]
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    os.environ.setdefault("KIEMDIEM_VAR_DIR", str(ROOT / "var"))
    setup = prepare(args.clients)

    env = dict(
        os.environ,
        KIEMDIEM_BIND=f"127.0.0.1:{args.port}",
        KIEMDIEM_WORKERS=str(args.workers),
        PYTHONPATH=f"{HERE}:{ROOT}",
    )
    if args.memo_seconds is not None:
        env["KIEMDIEM_MEMO_SECONDS"] = args.memo_seconds
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(HERE / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/login/", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        staff = sign_in(base, "tochuc", PASSWORD)
        members = [(sign_in(base, u, PASSWORD), subject) for u, _, subject in setup["members"]]
        root, cycle = setup["root"], setup["cycle"]

        def staff_jobs(url, must):
            return [(staff.cookies.get_dict(), "GET", url, None, {}, must)] * args.clients

        autosave_jobs = []
        for session, subject in members:
            page = session.get(f"{base}/reviews/subjects/{subject}/")
            inputs = _Inputs()
            inputs.feed(page.text)
            fields = {k: v for k, v in inputs.fields.items() if k != "revision"}
            fields["__vary__"] = inputs.textareas[0]
            headers = {
                "HX-Request": "true",
                "X-CSRFToken": session.cookies.get("csrftoken"),
                "Referer": f"{base}/reviews/subjects/{subject}/",
            }
            autosave_jobs.append(
                (
                    session.cookies.get_dict(),
                    "POST",
                    f"{base}/reviews/subjects/{subject}/save/",
                    fields,
                    headers,
                    "",
                )
            )
        memo = env.get("KIEMDIEM_MEMO_SECONDS", "the default")
        print(
            f"gunicorn {args.workers} workers × threads (config/gunicorn.conf.py), "
            f"{args.clients} clients, {args.seconds:.0f} s each; PostgreSQL; memos: {memo} s"
        )
        pages = {
            "home": ("home (province staff)", staff_jobs(f"{base}/", "<html")),
            "unit": ("unit page (province)", staff_jobs(f"{base}/units/{root}/", "<html")),
            "board": (
                "progress board (province)",
                staff_jobs(f"{base}/cycles/{cycle}/units/{root}/board/", "<html"),
            ),
            "autosave": ("self-review autosave (htmx)", autosave_jobs),
        }
        chosen = [pages[key.strip()] for key in args.pages.split(",")]
        bare_jobs = staff_jobs(f"{base}/bench/bare/", "ok")
        shares: dict[str, list[float]] = {name: [] for name, _ in chosen}
        for turn in range(args.rounds):
            # Each round is measured against its own bare runs (before and after): the
            # machine's speed drifts over minutes, a round's pages and bare page drift together.
            if args.rounds > 1:
                print(f"round {turn + 1} of {args.rounds}")
            before = measure("bare signed-in page", bare_jobs, args.seconds)
            rows = [measure(name, jobs, args.seconds) for name, jobs in chosen]
            after = measure("bare signed-in page (again)", bare_jobs, args.seconds)
            bare = (before["rps"] + after["rps"]) / 2
            for row in rows:
                shares[row["name"]].append(100 * row["rps"] / bare)
        print(f"\n  {'page':<34} {'share of bare, each round':>30}   median   lowest")
        for name, values in shares.items():
            each = " ".join(f"{v:3.0f}" for v in values)
            print(
                f"  {name:<34} {each:>30}   {statistics.median(values):4.0f} %"
                f"   {min(values):4.0f} %"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
