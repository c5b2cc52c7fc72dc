"""Benchmark: self-review DOCX per second, as a batch of a unit's reviews is written.

Builds one commune with cells of members, opens an annual cycle, writes and submits every
member's self-review (Mẫu 2A 2025), then times, as the commune's staff (through the door):

* rendering every review to DOCX through the registry (``items`` + ``render``), the work of a
  batch job without the ZIP — reported as documents per second;
* the whole batch job (``export_start`` + ``job_run``: checks, rendering, ZIP, audit);
* converting 20 of those DOCX to PDF in one LibreOffice run (when soffice is installed).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/documents_bench \\
        .venv/bin/python bench/documents/bench_documents.py [--cells 4 --members 50]

The database named in DATABASE_URL is dropped and re-created.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "orgtree"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from bench_tree import reset_database  # noqa: E402

D = datetime.date
NAMES = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Khoa", "Lan", "Minh", "Nga", "Phúc", "Quân"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=4)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="time again on the built database")
    args = parser.parse_args()
    if not args.reuse:
        reset_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.VAR_DIR = Path(tempfile.mkdtemp(prefix="kiemdiem-bench-"))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("migrate", verbosity=0)
    if args.reuse:
        from kiemdiem.accounts.models import User
        from kiemdiem.cycles.models import ReviewCycle

        staff, cycle = User.objects.get(username="staff_a"), ReviewCycle.objects.get()
    else:
        staff, cycle = build(args)
    measure(staff, cycle)


def build(args):
    from kiemdiem.accounts import services as accounts
    from kiemdiem.cycles import subjects
    from kiemdiem.cycles.models import Subject
    from kiemdiem.orgtree import services as tree
    from kiemdiem.reviews import services as reviews
    from kiemdiem.testing import WRITTEN, _member, open_annual

    start = D(2020, 1, 1)
    province = tree.unit_create(
        code="P",
        name="Đảng bộ tỉnh Thử",
        kind="dang_bo_tinh",
        parent=None,
        valid_from=start,
        actor=None,
    )
    commune = tree.unit_create(
        code="A",
        name="Đảng bộ xã An Bình",
        kind="dang_bo_xa",
        parent=province,
        valid_from=start,
        actor=None,
    )
    t0 = time.perf_counter()
    for c in range(args.cells):
        cell = tree.unit_create(
            code=f"A{c}",
            name=f"Chi bộ thôn {c}",
            kind="chi_bo_truc_thuoc",
            parent=commune,
            valid_from=start,
            actor=None,
        )
        for m in range(args.members):
            _member("Nguyễn", NAMES[m % len(NAMES)], NAMES[(m * 7 + c) % len(NAMES)], cell)
    staff = accounts.user_create(username="staff_a", password="pass12345!", actor=None)
    accounts.grant_add(user=staff, role="staff", unit=commune, actor=None)

    class P:  # what open_annual reads
        pass

    holder = P()
    holder.province = province
    cycle = open_annual(holder, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    count = 0
    for subject in Subject.objects.filter(cycle=cycle, kind="party_member"):
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
        count += 1
    print(f"built {count} submitted self-reviews in {time.perf_counter() - t0:.1f} s")
    return staff, cycle


def measure(staff, cycle):
    from kiemdiem.documents import registry, render, services
    from kiemdiem.jobs import services as jobs

    exporter = registry.get("self_reviews")
    form = exporter.form(staff, {"cycle": cycle.pk, "unit": "A"})
    assert form.is_valid(), form.errors
    runs, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        n = 0
        for item in exporter.items(staff, form.cleaned_data):
            exporter.render(item, "docx")
            n += 1
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    best = min(runs)
    print(
        f"render {n} self-review DOCX: best {best:.2f} s wall of 3 → {n / best:.1f} DOCX/s "
        f"(runs: {', '.join(f'{r:.2f}' for r in runs)}); this process's CPU: best "
        f"{min(cpu):.2f} s → {n / min(cpu):.1f} DOCX per CPU-second"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    t = time.perf_counter()
    job = services.export_start(
        actor=staff, exporter=exporter, fmt="docx", data={"cycle": cycle.pk, "unit": "A"}
    )
    jobs.job_run(job.pk)
    job.refresh_from_db()
    took = time.perf_counter() - t
    size = job.result_path.stat().st_size
    print(
        f"batch job (checks, {n} DOCX, ZIP {size / 1024:.0f} KB, audit): {took:.2f} s → "
        f"{n / took:.1f} DOCX/s; status {job.status}"
    )

    if render.pdf_available():
        items = list(exporter.items(staff, form.cleaned_data))[:20]
        files = {}
        for item in items:
            out = exporter.render(item, "docx")
            files[out.filename] = out.data
        t = time.perf_counter()
        pdfs = render.to_pdf(files)
        took = time.perf_counter() - t
        print(
            f"PDF: {len(pdfs)} DOCX → PDF in one LibreOffice run: {took:.2f} s → "
            f"{len(pdfs) / took:.1f} PDF/s"
        )
    else:
        print("PDF: LibreOffice not installed, not measured")


if __name__ == "__main__":
    main()
