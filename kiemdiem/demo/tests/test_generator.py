"""The demo province: determinism, shape, history, logins, and the load_demo command."""

from __future__ import annotations

import datetime
import io
import json
from collections import Counter
from importlib import resources

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

from kiemdiem.accounts.models import Grant, User
from kiemdiem.audit.models import LogEntry
from kiemdiem.common.dates import today, valid_on
from kiemdiem.common.vietnamese import nfc
from kiemdiem.cycles.models import Plan, ReviewCycle, Subject
from kiemdiem.decisions.models import Complaint, Decision, Publication
from kiemdiem.demo import generator
from kiemdiem.demo.checks import tree_problems
from kiemdiem.notifications.models import Notification
from kiemdiem.orgtree.models import CELL_KINDS, KIND_GROUP, Unit, UnitGroup, UnitPlacement
from kiemdiem.people.models import (
    Affiliation,
    CadreAuthority,
    MemberStatus,
    PartyMember,
    Person,
)
from kiemdiem.register.models import RegisterEntry
from kiemdiem.remediation.models import Consolidation
from kiemdiem.reviews.models import ReviewVersion, SelfReview, Shortcoming

SCALE = 0.05
PARTY_COMMITTEES = [
    "dang_bo_tinh",
    "dang_bo_xa",
    "dang_bo_tren_co_so",
    "dang_bo_co_so",
    "dang_bo_bo_phan",
]


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """One small province for the tests of ``TestDemoProvince``, rolled back after them."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            result = generator.generate(scale=SCALE, seed=7, cycles=False)
            yield result
            transaction.set_rollback(True)


def db_snapshot() -> dict:
    """What was written, with primary keys replaced by natural keys (codes, creation rank)."""
    units = {u.pk: u.code for u in Unit.objects.all()}
    first_person = Person.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    person = {pk: pk - first_person for pk in Person.objects.values_list("pk", flat=True)}

    subjects = {
        s.pk: (s.cycle.code, s.kind, person.get(s.person_id), units[s.unit_id])
        for s in Subject.objects.select_related("cycle")
    }
    users = dict(User.objects.values_list("pk", "username"))
    review_key = dict(SelfReview.objects.values_list("pk", "subject_id"))
    review_key = {pk: subjects[subject] for pk, subject in review_key.items()}

    def engine_result(result):
        # the first line of the explanation names the subject by its id
        return json.dumps({**result, "lines": result.get("lines", [])[1:]}, sort_keys=True)

    def unit_ref(value):
        if isinstance(value, list):
            return [unit_ref(v) for v in value]
        return units.get(value, value)

    def clean_data(data):
        data = dict(data)
        for key in ("parent", "cell", "into", "authority", "successor", "managed_by", "unit"):
            if key in data:
                data[key] = unit_ref(data[key])
        if "changes" in data:
            data["changes"] = {k: unit_ref(v) for k, v in data["changes"].items()}
        if "sources" in data:
            data["sources"] = [{**s, "unit": unit_ref(s["unit"])} for s in data["sources"]]
        if "reviews" in data:  # review.linked: the reviews by their subjects
            data["reviews"] = sorted(review_key.get(pk) for pk in data["reviews"])
        if "person" in data:
            data["person"] = person.get(data["person"])
        # ids of rows without a natural key (PostgreSQL's sequences do not roll back)
        for key in ("complaint", "publication"):
            if key in data:
                data[key] = "id"
        if isinstance(data.get("told"), list):  # the users told, by name
            data["told"] = sorted(users.get(pk, pk) for pk in data["told"])
        if "source_ref" in data:
            data["source_ref"] = str(data["source_ref"]).split(":")[0]
        return json.dumps(data, sort_keys=True, default=str)

    return {
        "units": sorted(
            (
                u.code,
                u.name,
                u.short_name,
                u.kind,
                units.get(u.parent_id),
                u.path,
                u.depth,
                str(u.valid_from),
                str(u.valid_to),
                units.get(u.managed_by_id),
                units.get(u.successor_id),
            )
            for u in Unit.objects.all()
        ),
        "placements": sorted(
            (
                units[p.unit_id],
                units.get(p.parent_id),
                p.path,
                p.name,
                str(p.valid_from),
                str(p.valid_to),
            )
            for p in UnitPlacement.objects.all()
        ),
        "people": [
            (
                person[p.pk],
                p.full_name,
                p.sort_key,
                p.search_text,
                str(p.birth_date),
                p.gender,
                p.ethnicity,
                p.citizen_id,
                p.phone,
            )
            for p in Person.objects.order_by("pk")
        ],
        "members": sorted(
            (
                person[m.person_id],
                m.card_number,
                str(m.admitted_on),
                str(m.official_on),
                m.occupation,
            )
            for m in PartyMember.objects.all()
        ),
        "statuses": sorted(
            (person[s.member.person_id], s.status, str(s.valid_from), str(s.valid_to), s.reason)
            for s in MemberStatus.objects.select_related("member")
        ),
        "affiliations": sorted(
            (
                person[a.person_id],
                units[a.unit_id],
                a.kind,
                a.title,
                a.role,
                a.concurrent,
                a.state_category,
                a.residence_exemption,
                str(a.valid_from),
                str(a.valid_to),
                a.note,
            )
            for a in Affiliation.objects.all()
        ),
        "authorities": sorted(
            (person[c.person_id], units[c.authority_id], str(c.valid_from), str(c.valid_to))
            for c in CadreAuthority.objects.all()
        ),
        "users": sorted(
            (g.user.username, g.role, units[g.unit_id], person.get(g.user.person_id))
            for g in Grant.objects.select_related("user")
        ),
        "audit": sorted(
            Counter(
                (e.action, e.object_repr, units.get(e.unit_id), clean_data(e.data))
                for e in LogEntry.objects.all()
            ).items()
        ),
        "cycles": sorted(
            (c.code, c.name, c.kind, c.year, c.status, units[c.root_id])
            for c in ReviewCycle.objects.all()
        ),
        "plans": sorted(
            (
                p.cycle.code,
                units[p.unit_id],
                units.get(p.parent.unit_id) if p.parent else None,
                p.guidance,
                p.status,
                sorted((st.kind, str(st.starts_on), str(st.due_on)) for st in p.stages.all()),
            )
            for p in Plan.objects.select_related("cycle", "parent")
        ),
        "subjects": sorted(
            (*subjects[s.pk], s.track, s.status, s.reason, s.tier, s.rating_note)
            for s in Subject.objects.all()
        ),
        "reviews": sorted(
            (
                review_key[r.pk],
                r.form_key,
                r.status,
                json.dumps(r.content, sort_keys=True),
                r.proposed_tier,
                engine_result(r.engine_result),
                r.version,
                r.amendment_reason,
                r.return_comment,
                sorted(review_key[m.pk] for m in r.linked_reviews.all()),
            )
            for r in SelfReview.objects.prefetch_related("linked_reviews")
        ),
        "versions": sorted(
            (
                review_key[v.review_id],
                v.number,
                v.kind,
                json.dumps(v.content, sort_keys=True),
                v.proposed_tier,
                engine_result(v.engine_result),
                v.note,
            )
            for v in ReviewVersion.objects.all()
        ),
        "notifications": sorted(
            (n.user.username, n.text) for n in Notification.objects.select_related("user")
        ),
        "decisions": sorted(
            (
                subjects[d.subject_id],
                d.state,
                d.proposed_tier,
                d.tier,
                d.reason,
                d.override_reason,
                json.dumps(d.overrides, sort_keys=True),
                d.revision,
                [(e.state, e.tier, e.reason, clean_data(e.data)) for e in d.events.all()],
            )
            for d in Decision.objects.prefetch_related("events")
        ),
        # the second half of the year (``demo.aftermath``)
        "register": sorted(
            (
                e.kind,
                e.track,
                e.discipline_form,
                e.year,
                str(e.decided_on),
                e.person.full_name if e.person else "",
                units.get(e.unit_id),
                e.issuing_body,
                e.summary,
            )
            for e in RegisterEntry.objects.select_related("person")
        ),
        "complaints": sorted(
            (
                subjects[c.decision.subject_id],
                c.text,
                c.status,
                c.outcome_reason,
                units[c.handled_at_unit_id],
                str(c.filed_at.date()),
            )
            for c in Complaint.objects.select_related("decision")
        ),
        "publications": sorted(
            (
                p.cycle.code,
                units[p.unit_id],
                p.audience,
                units[p.audience_unit_id],
                str(p.starts_on),
                str(p.ends_on),
                p.title,
            )
            for p in Publication.objects.select_related("cycle")
        ),
        "named": sorted(
            (subjects[s.source_subject_id], s.source, s.text, s.remedy_plan, str(s.due_date))
            for s in Shortcoming.objects.filter(source_subject__isnull=False)
        ),
        "consolidations": sorted(
            (c.cycle.code, units[c.unit_id], c.reason)
            for c in Consolidation.objects.select_related("cycle")
        ),
    }


def generate_and_snapshot(**options) -> dict:
    with transaction.atomic():
        generator.generate(scale=SCALE, **options)
        snapshot = db_snapshot()
        transaction.set_rollback(True)
    return snapshot


# --- determinism ---------------------------------------------------------------------------


def test_plan_is_deterministic_and_depends_on_the_seed():
    day = datetime.date(2026, 6, 15)

    def summary(plan):
        return (
            [(u.code, u.name, u.kind, u.parent) for u in plan.units.values()],
            [
                (p.full_name, p.birth_date, p.citizen_id, p.card_number, p.affiliations)
                for p in plan.people
            ],
        )

    first = generator.build_plan(scale=0.2, seed=11, today=day)
    again = generator.build_plan(scale=0.2, seed=11, today=day)
    other = generator.build_plan(scale=0.2, seed=12, today=day)
    assert summary(first) == summary(again)
    assert summary(first)[1] != summary(other)[1]
    names_first = {p.full_name for p in first.people}
    names_other = {p.full_name for p in other.people}
    assert names_first != names_other


@pytest.mark.django_db
def test_same_seed_writes_the_same_database_and_another_seed_does_not():
    first = generate_and_snapshot(seed=5)
    second = generate_and_snapshot(seed=5)
    other = generate_and_snapshot(seed=6, cycles=False)
    assert first == second
    assert first["people"] != other["people"]
    assert first["units"] != other["units"]


@pytest.mark.django_db
def test_fast_path_writes_exactly_what_the_services_write():
    # the reviews' fast path is compared on a smaller province (test_review_cycles.py)
    fast = generate_and_snapshot(seed=3, fast=True, cycles=False)
    slow = generate_and_snapshot(seed=3, fast=False, cycles=False)
    for key in fast:
        assert fast[key] == slow[key], key


@pytest.mark.django_db
class TestDemoProvince:
    """Read the one province built by the ``demo`` fixture."""

    # --- shape ---------------------------------------------------------------------------------

    def test_cells_have_5_to_50_members_and_a_head(self, demo):
        cells = (
            Unit.objects.active()
            .filter(kind__in=CELL_KINDS)
            .annotate(
                members=Count(
                    "affiliations",
                    filter=Q(affiliations__kind="cell", affiliations__valid_to__isnull=True),
                ),
                heads=Count(
                    "affiliations",
                    filter=Q(
                        affiliations__kind="position",
                        affiliations__role="head",
                        affiliations__valid_to__isnull=True,
                    ),
                ),
            )
        )
        assert cells.count() > 20
        for cell in cells:
            assert 5 <= cell.members <= 50, (cell.name, cell.members)
            assert cell.heads == 1, cell.name
        head_titles = set(
            Affiliation.objects.current()
            .filter(kind="position", role="head", unit__kind__in=CELL_KINDS)
            .values_list("title", flat=True)
        )
        assert head_titles == {"Bí thư Chi bộ"}

    def test_every_committee_and_collective_has_a_head(self, demo):
        units = Unit.objects.active().filter(
            Q(kind__in=PARTY_COMMITTEES) | Q(kind__in=["ban_thuong_vu", "ban_chap_hanh"])
        )
        assert units.filter(kind="ban_thuong_vu").count() >= 3
        for unit in units:
            heads = unit.affiliations.filter(kind="position", role="head", valid_to__isnull=True)
            assert heads.count() == 1, unit.name
            assert heads.get().title.startswith("Bí thư"), unit.name
        seats = Affiliation.objects.current().filter(kind="position", unit__kind="ban_thuong_vu")
        assert seats.filter(role="member").exists() and seats.filter(role="deputy").exists()
        assert Affiliation.objects.current().filter(kind="position", concurrent=True).exists()

    def test_communes_carry_real_names_from_the_package(self, demo):
        data = json.loads(
            resources.files("vietnam_provinces")
            .joinpath("data/nested-divisions.json")
            .read_text(encoding="utf-8")
        )
        province = next(p for p in data if p["codename"] == generator.DEFAULT_PROVINCE)
        real = {}
        for ward in province["wards"]:
            name = nfc(ward["name"])
            kind = ward["division_type"]
            real[f"X{ward['code']:05d}"] = f"Đảng bộ {kind} {name[len(kind) :].strip()}"
        communes = Unit.objects.active().filter(kind="dang_bo_xa")
        assert communes.count() >= 2
        for unit in communes:
            assert unit.code in real
            assert unit.name == real[unit.code]
            # each commune has its People's Committee, Standing committee and cells
            kinds = set(unit.children.active().values_list("kind", flat=True))
            assert {"ban_thuong_vu", "co_quan_hanh_chinh", "chi_bo_truc_thuoc"} <= kinds
        root = Unit.objects.get(parent__isnull=True)
        assert root.name == "Đảng bộ tỉnh Tuyên Quang"

    def test_people_look_real(self, demo):
        people = Person.objects.all()
        families = Counter(people.values_list("family_name", flat=True))
        assert families.most_common(1)[0][0] in {"Nguyễn", "Hoàng"}
        assert {"Kinh", "Tày"} <= set(people.values_list("ethnicity", flat=True))
        ids = [c for c in people.values_list("citizen_id", flat=True) if c]
        assert len(ids) == len(set(ids)) and all(len(c) == 12 and c.isdigit() for c in ids)
        assert len(ids) < people.count()  # some have none
        for member in PartyMember.objects.select_related("person"):
            birth = member.person.birth_date
            assert generator.add_years(birth, 18) <= member.admitted_on <= today()
        assert PartyMember.objects.filter(
            official_on__isnull=True, card_number__isnull=True
        ).exists()
        assert PartyMember.objects.filter(occupation="retired").exists()
        current = MemberStatus.objects.filter(valid_to__isnull=True)
        assert current.filter(status="exempt").exists()
        assert current.filter(status="suspended").count() == 2
        transfers = Affiliation.objects.filter(
            kind="cell", valid_to__year=today().year, valid_to__isnull=False
        )
        assert transfers.exists()
        state = Affiliation.objects.current().filter(kind="employment")
        assert {"cong_chuc", "vien_chuc", "can_bo"} <= set(
            state.values_list("state_category", flat=True)
        )
        residence = Affiliation.objects.current().filter(kind="residence")
        assert residence.exists() and residence.exclude(residence_exemption="").exists()

    def test_cadre_authority_and_rating_units(self, demo):
        btv = Unit.objects.get(kind="ban_thuong_vu", parent__kind="dang_bo_tinh")
        for commune in Unit.objects.active().filter(kind="dang_bo_xa"):
            assert commune.managed_by_id == btv.pk
            head = commune.affiliations.get(kind="position", role="head", valid_to__isnull=True)
            authority = CadreAuthority.objects.get(person=head.person, valid_to__isnull=True)
            assert authority.authority_id == btv.pk
        directors = Affiliation.objects.current().filter(
            kind="position", role="head", title__startswith="Giám đốc Sở"
        )
        assert directors.count() == 4
        for post in directors:
            assert (
                CadreAuthority.objects.get(person=post.person, valid_to__isnull=True).authority
                == btv
            )

    # --- history -------------------------------------------------------------------------------

    def test_the_tree_before_the_reform_had_districts(self, demo):
        root = Unit.objects.get(parent__isnull=True)
        before = UnitPlacement.objects.filter(valid_on(datetime.date(2024, 12, 31)))
        districts = before.filter(
            parent=root, unit__kind="dang_bo_tren_co_so", name__startswith="Đảng bộ huyện"
        )
        assert districts.exists()
        communes_then = before.filter(unit__kind="dang_bo_xa")
        assert communes_then.exists()
        assert all(
            p.parent.kind == "dang_bo_tren_co_so" for p in communes_then.select_related("parent")
        )
        assert before.filter(unit__code__endswith="-KHOI").exists()

        now = UnitPlacement.objects.filter(valid_on(today()))
        assert not now.filter(name__startswith="Đảng bộ huyện").exists()
        assert not now.filter(unit__code__endswith="-KHOI").exists()
        communes_now = now.filter(unit__kind="dang_bo_xa")
        assert communes_now.exists() and all(p.parent_id == root.pk for p in communes_now)
        # the same commune, placed differently before and after 1/7/2025
        commune = communes_now.first().unit
        spans = list(commune.placements.order_by("valid_from"))
        assert [s.valid_to for s in spans] == [generator.REFORM_DAY, None]
        # a town merged into its commune on 1/7/2025
        town = Unit.objects.get(name__startswith="Đảng bộ thị trấn")
        assert town.valid_to == generator.REFORM_DAY and town.successor.kind == "dang_bo_xa"
        assert Unit.objects.filter(successor=town.successor).count() == 1
        assert tree_problems() == []

    def test_tree_check_finds_a_broken_tree(self, demo):
        assert tree_problems() == []
        cell = Unit.objects.active().filter(kind="chi_bo_truc_thuoc").first()
        Unit.objects.filter(pk=cell.pk).update(depth=cell.depth + 1)
        UnitPlacement.objects.filter(unit=cell).update(valid_to=datetime.date(2025, 8, 1))
        problems = tree_problems()
        assert any("depth" in p for p in problems)
        assert any("open placements" in p for p in problems)

    # --- logins --------------------------------------------------------------------------------

    def test_demo_users_have_their_roles(self, demo):
        root = Unit.objects.get(parent__isnull=True)
        users = {u.username: u for u in User.objects.filter(username__in=generator.DEMO_USERS)}
        assert sorted(users) == sorted(generator.DEMO_USERS)
        for user in users.values():
            assert user.check_password(generator.DEMO_PASSWORD)
            assert user.grants.count() == 1

        def grant(name):
            return users[name].grants.get()

        assert users["admin"].is_superuser and grant("admin").role == "admin"
        assert grant("admin").unit == root
        for name, role in (
            ("tochuc", "staff"),
            ("quyetdinh", "decider"),
            ("thanhtra", "inspector"),
        ):
            assert (grant(name).role, grant(name).unit) == (role, root)
        assert (
            Affiliation.objects.current()
            .filter(person=users["quyetdinh"].person, unit__kind="ban_thuong_vu", unit__parent=root)
            .exists()
        )
        cell = grant("bithu").unit
        assert grant("bithu").role == "secretary" and cell.kind in CELL_KINDS
        assert cell.affiliations.get(
            kind="position", role="head", valid_to__isnull=True
        ).person == (users["bithu"].person)
        assert grant("dangvien").role == "member" and grant("dangvien").unit == cell
        member = users["dangvien"].person
        assert Affiliation.objects.current().get(person=member, kind="cell").unit == cell
        assert not Affiliation.objects.current().filter(person=member, kind="position").exists()
        assert (grant("tochucxa").role, grant("tochucxa").unit.kind) == ("staff", "dang_bo_xa")
        out = io.StringIO()
        call_command("demo_logins", stdout=out)
        printed = out.getvalue()
        assert generator.DEMO_PASSWORD in printed
        for name, user in users.items():
            line = next(row for row in printed.splitlines() if row.startswith(name + " "))
            assert (user.person.full_name if user.person else "") in line
            assert user.grants.get().unit.name in line
        rows = generator.demo_logins()
        assert [r["username"] for r in rows] == generator.DEMO_USERS
        assert all(r["password"] == generator.DEMO_PASSWORD for r in rows)


# --- the command ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_if_empty_is_idempotent():
    out = io.StringIO()
    call_command("load_demo", scale=SCALE, if_empty=True, stdout=out)
    units = Unit.objects.count()
    people = Person.objects.count()
    assert units > 50 and people > 100
    text = out.getvalue()
    for username in generator.DEMO_USERS:
        assert username in text
    assert generator.DEMO_PASSWORD in text

    again = io.StringIO()
    call_command("load_demo", scale=SCALE, if_empty=True, stdout=again)
    assert (Unit.objects.count(), Person.objects.count()) == (units, people)
    assert "tochucxa" not in again.getvalue()
    with pytest.raises(CommandError):
        call_command("load_demo", scale=SCALE, stdout=io.StringIO())


@pytest.mark.django_db
def test_load_demo_rejects_an_unknown_province():
    with pytest.raises(CommandError):
        call_command("load_demo", scale=SCALE, province="atlantis", stdout=io.StringIO())
    assert not Unit.objects.exists()


def test_find_province_accepts_codes_and_names():
    assert generator.find_province("8")["codename"] == "tuyen_quang"
    assert generator.find_province("hung_yen")["code"] == 33
    assert generator.find_province("Hưng Yên")["code"] == 33
    assert generator.find_province("Hà Nội")["code"] == 1
    with pytest.raises(ValueError):
        generator.find_province("atlantis")


def test_collective_kinds_are_collectives():
    # guards the summary's notion of "collective" against a change of the kind table
    assert KIND_GROUP["ban_thuong_vu"] == UnitGroup.COLLECTIVE
