"""The subject summaries: counts of a cycle's subjects for any subtree without counting people.

Design (docs/reports.md, "Summaries"):

* **Deltas, written by the database.** Triggers on the subjects table and on the self-reviews
  table (created by the reports app's migration, which sits above both) append one
  ``TallyDelta`` row per changed bucket, in the same transaction and statement as the write —
  every writer (decisions' services, bulk and finalizing, re-opening, not rated / carried over,
  the subject list, a self-review submitted) is covered, and no summary row is locked by a
  writer: a national row updated by every decision in the country would be one hot lock.
* **Folded rows.** ``fold()`` (the ``fold_tallies`` job, or ``manage.py tallies --fold``) moves
  the deltas into ``SubjectTally``: one row per bucket for each unit *and each of its
  ancestors*, so a subtree's counts are its own rows.
* **Reading** (``rollup``) is one statement over the folded rows of the asked units and the
  deltas not yet folded under them: the same snapshot sees a delta either still there or
  already folded, never both, never neither.

The folded rows are by unit id, each counting its unit's whole subtree, so a unit moved to
another parent (``orgtree.services.unit_move_unchecked``) would leave its figures with its old
ancestors: ``unit_moved`` — registered with ``orgtree.hooks`` from ``CyclesConfig.ready()`` —
carries them, in the move's transaction, from the ancestors it left to those it joined (its own
rows and those below it count the same subtree as before). The pending deltas need nothing:
they are attributed by their unit's path when read or folded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count

from kiemdiem.cycles.models import (
    OUT_OF_RATING,
    Subject,
    SubjectStatus,
    SubjectTally,
    TallyDelta,
)
from kiemdiem.orgtree.models import Unit, ancestor_paths

_OUT = frozenset(str(s.value) for s in OUT_OF_RATING)
_RATED = str(SubjectStatus.RATED.value)


class Bucket(NamedTuple):
    """A bucket of subjects. A roll-up asked for fewer fields (``rollup(key=…)``) leaves the
    others empty."""

    kind: str = ""
    track: str = ""
    status: str = ""
    tier: str = ""
    review: str = ""

    @property
    def out_of_rating(self) -> bool:
        return self.status in _OUT

    @property
    def rated(self) -> bool:
        return self.status == _RATED


KEY = ("kind", "track", "status", "tier", "review")
Counts = Counter  # Counter[Bucket] -> number of subjects


def _bucket(row: dict) -> Bucket:
    return Bucket(*(row[k] or "" for k in KEY))


def rollup(
    cycle_ids: Iterable[int], units: Iterable[Unit], *, key: tuple[str, ...] = KEY
) -> dict[tuple[int, int], Counts]:
    """The counts of each of ``units``' subtrees in each of ``cycle_ids``: {(cycle id, unit id):
    Counter[Bucket]}, by the fields of ``key`` (all of a bucket's by default; the database sums
    over the others). One query, whatever the number of people or units below."""
    if not set(key) <= set(KEY):
        raise ValueError(f"{key!r}: a roll-up is by fields of {KEY!r}")
    cycle_ids = list(cycle_ids)
    units = list(units)
    result: dict[tuple[int, int], Counts] = {(c, u.pk): Counter() for c in cycle_ids for u in units}
    if not cycle_ids or not units:
        return result
    paths = {u.path: u.pk for u in units}
    # Deltas: the subtrees of the asked units that no other asked unit contains.
    tops = sorted(paths)
    minimal: list[str] = []
    for path in tops:
        if not minimal or not path.startswith(minimal[-1]):
            minimal.append(path)
    # One statement (one snapshot): the folded rows of the asked units, summed over the fields
    # not asked; and the pending deltas under them with their unit's path, to be counted for
    # every asked unit above it.
    tally, delta, unit = (
        SubjectTally._meta.db_table,
        TallyDelta._meta.db_table,
        Unit._meta.db_table,
    )
    fields = ", ".join(key)
    d_fields = ", ".join(f"d.{k}" for k in key)
    unit_ids = list(paths.values())
    sql = (
        f"SELECT cycle_id, unit_id, {fields}, '' AS upath, 0 AS delta, SUM(n) FROM {tally} "
        f"WHERE cycle_id IN ({_marks(cycle_ids)}) AND unit_id IN ({_marks(unit_ids)}) "
        f"GROUP BY cycle_id, unit_id, {fields} "
        "UNION ALL "
        f"SELECT d.cycle_id, d.unit_id, {d_fields}, u.path, 1, SUM(d.n) FROM {delta} d "
        f"JOIN {unit} u ON u.id = d.unit_id WHERE d.cycle_id IN ({_marks(cycle_ids)}) AND ("
        + " OR ".join("u.path LIKE %s" for _ in minimal)
        + f") GROUP BY d.cycle_id, d.unit_id, {d_fields}, u.path"
    )
    params = [*cycle_ids, *unit_ids, *cycle_ids, *(f"{path}%" for path in minimal)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    buckets: dict[tuple, Bucket] = {}
    for cycle_id, unit_id, *values, upath, delta, n in rows:
        values = tuple(values)
        bucket = buckets.get(values)
        if bucket is None:
            bucket = buckets[values] = Bucket(**dict(zip(key, values, strict=True)))
        if delta:
            for target in _attribute(upath, paths):
                result[(cycle_id, target)][bucket] += int(n)
        else:
            result[(cycle_id, unit_id)][bucket] += int(n)
    for counts in result.values():
        for bucket in [b for b, n in counts.items() if n == 0]:
            del counts[bucket]
    return result


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _attribute(upath: str, paths: dict[str, int]) -> list[int]:
    return [paths[p] for p in ancestor_paths(upath, include_self=True) if p in paths]


def _paths_of(unit_ids: Iterable[int]) -> dict[int, str]:
    return dict(Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))


def _roll_up(leaf: dict[tuple[int, int], Counts]) -> dict[tuple[int, int], Counts]:
    """Counts at the units where subjects are reviewed → counts of every unit's subtree."""
    paths = _paths_of(u for _c, u in leaf)
    above = {a for p in paths.values() for a in ancestor_paths(p, include_self=True)}
    ids = dict(Unit.objects.filter(path__in=above).values_list("path", "pk"))
    rolled: dict[tuple[int, int], Counts] = defaultdict(Counter)
    for (cycle_id, unit_id), counts in leaf.items():
        path = paths.get(unit_id)
        if path is None:
            continue
        for ancestor in ancestor_paths(path, include_self=True):
            if ancestor in ids:
                rolled[(cycle_id, ids[ancestor])].update(counts)
    for counts in rolled.values():
        for bucket in [b for b, n in counts.items() if n == 0]:
            del counts[bucket]
    return {k: v for k, v in rolled.items() if v}


def _lock(name: str) -> None:
    """Serialise the folds (and a rebuild) on PostgreSQL; SQLite writes one at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"kiemdiem.{name}"])


def fold(*, limit: int = 50_000) -> int:
    """Move up to ``limit`` deltas into the folded rows of their units and ancestors; returns
    how many deltas were folded. Safe to run at any time, from several processes."""
    with transaction.atomic():
        _lock("tallies")
        deltas = list(
            TallyDelta.objects.order_by("id").values("id", "cycle_id", "unit_id", *KEY, "n")[:limit]
        )
        if not deltas:
            return 0
        leaf: dict[tuple[int, int], Counts] = defaultdict(Counter)
        for row in deltas:
            leaf[(row["cycle_id"], row["unit_id"])][_bucket(row)] += row["n"]
        rolled = _roll_up(leaf)
        _add(rolled)
        TallyDelta.objects.filter(pk__in=[row["id"] for row in deltas]).delete()
        return len(deltas)


def _add(rolled: dict[tuple[int, int], Counts]) -> None:
    if not rolled:
        return
    cycles = {c for c, _u in rolled}
    units = {u for _c, u in rolled}
    existing = {
        (t.cycle_id, t.unit_id, Bucket(*(getattr(t, k) for k in KEY))): t
        for t in SubjectTally.objects.select_for_update().filter(
            cycle_id__in=cycles, unit_id__in=units
        )
    }
    create, update, drop = [], [], []
    for (cycle_id, unit_id), counts in rolled.items():
        for bucket, n in counts.items():
            row = existing.get((cycle_id, unit_id, bucket))
            if row is None:
                create.append(
                    SubjectTally(cycle_id=cycle_id, unit_id=unit_id, n=n, **bucket._asdict())
                )
            elif row.n + n == 0:
                drop.append(row.pk)
            else:
                row.n += n
                update.append(row)
    SubjectTally.objects.bulk_create(create, batch_size=2000)
    SubjectTally.objects.bulk_update(update, ["n"], batch_size=2000)
    SubjectTally.objects.filter(pk__in=drop).delete()


def _within(rolled: dict[tuple[int, int], Counts], under: Unit | None):
    """``rolled`` kept to the units of ``under``'s subtree (all of it without ``under``)."""
    if under is None:
        return rolled
    inside = set(Unit.objects.filter(path__startswith=under.path).values_list("pk", flat=True))
    return {k: v for k, v in rolled.items() if k[1] in inside}


def recount(
    cycle_ids: Iterable[int], *, under: Unit | None = None
) -> dict[tuple[int, int], Counts]:
    """The counts of every subtree (of the subtrees within ``under``'s, when given), counted
    again from the subjects (slow: every subject, or every subject under ``under``)."""
    from kiemdiem.cycles.hooks import review_states

    states = review_states()
    review = f"{states.relation}__{states.status_field}"
    leaf: dict[tuple[int, int], Counts] = defaultdict(Counter)
    subjects = Subject.objects.filter(cycle_id__in=list(cycle_ids))
    if under is not None:
        subjects = subjects.filter(unit__path__startswith=under.path)
    rows = (
        subjects.values("cycle_id", "unit_id", "kind", "track", "status", "tier", review)
        .annotate(total=Count("id"))
        .order_by()
    )
    for row in rows:
        row["review"] = row.pop(review)
        leaf[(row["cycle_id"], row["unit_id"])][_bucket(row)] += row["total"]
    return _within(_roll_up(leaf), under)


def stored(cycle_ids: Iterable[int], *, under: Unit | None = None) -> dict[tuple[int, int], Counts]:
    """What the summaries say now for every subtree (within ``under``'s, when given): folded
    rows plus the pending deltas."""
    cycle_ids = list(cycle_ids)
    tallies = SubjectTally.objects.filter(cycle_id__in=cycle_ids)
    deltas = TallyDelta.objects.filter(cycle_id__in=cycle_ids)
    if under is not None:
        tallies = tallies.filter(unit__path__startswith=under.path)
        deltas = deltas.filter(unit__path__startswith=under.path)
    result: dict[tuple[int, int], Counts] = defaultdict(Counter)
    for row in tallies.values("cycle_id", "unit_id", *KEY, "n"):
        result[(row["cycle_id"], row["unit_id"])][_bucket(row)] += row["n"]
    leaf: dict[tuple[int, int], Counts] = defaultdict(Counter)
    for row in deltas.values("cycle_id", "unit_id", *KEY, "n"):
        leaf[(row["cycle_id"], row["unit_id"])][_bucket(row)] += row["n"]
    for key, counts in _within(_roll_up(leaf), under).items():
        result[key].update(counts)
    for counts in result.values():
        for bucket in [b for b, n in counts.items() if n == 0]:
            del counts[bucket]
    return {k: v for k, v in result.items() if v}


def differences(cycle_ids: Iterable[int], *, under: Unit | None = None) -> list[tuple[int, int]]:
    """The (cycle id, unit id) whose summaries differ from a recount (within ``under``'s
    subtree, when given: its units' figures depend on the subjects below them alone)."""
    cycle_ids = list(cycle_ids)
    have, want = stored(cycle_ids, under=under), recount(cycle_ids, under=under)
    return sorted(k for k in set(have) | set(want) if have.get(k) != want.get(k))


def _lock_writers() -> None:
    """Writers of subjects wait (their triggers append deltas) until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TallyDelta._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")


def rebuild(cycle_ids: Iterable[int], *, under: Unit | None = None) -> int:
    """Replace the summaries of ``cycle_ids`` by a recount; returns the rows written. Writers
    of subjects wait meanwhile (the deltas table is locked), so nothing is counted twice.

    With ``under``, only that unit's subtree is recounted and replaced, and what the recount
    changed at ``under`` is carried to its ancestors (their figures for the rest of the tree
    are left as they are): after a stale move, rebuilding the old and the new parent's
    subtrees mends both and everything above them."""
    cycle_ids = list(cycle_ids)
    with transaction.atomic():
        _lock("tallies")
        _lock_writers()
        if under is None:
            TallyDelta.objects.filter(cycle_id__in=cycle_ids).delete()
            SubjectTally.objects.filter(cycle_id__in=cycle_ids).delete()
            fresh = recount(cycle_ids)
        else:
            under = Unit.objects.get(pk=under.pk)  # its path as it is now
            before: dict[int, Counts] = defaultdict(Counter)
            for row in SubjectTally.objects.filter(cycle_id__in=cycle_ids, unit=under).values(
                "cycle_id", *KEY, "n"
            ):
                before[row["cycle_id"]][_bucket(row)] += row["n"]
            inside = Unit.objects.filter(path__startswith=under.path).values("pk")
            TallyDelta.objects.filter(cycle_id__in=cycle_ids, unit_id__in=inside).delete()
            SubjectTally.objects.filter(cycle_id__in=cycle_ids, unit_id__in=inside).delete()
            fresh = recount(cycle_ids, under=under)
            # The pending deltas deleted here were not in any folded row: the ancestors'
            # folded rows counted the subtree as ``before``; from now on, as ``fresh``.
            above = list(
                Unit.objects.filter(path__in=ancestor_paths(under.path)).values_list(
                    "pk", flat=True
                )
            )
            change: dict[tuple[int, int], Counts] = {}
            for cycle_id in cycle_ids:
                diff = Counter(fresh.get((cycle_id, under.pk), Counter()))
                diff.subtract(before.get(cycle_id, Counter()))
                diff = Counter({b: n for b, n in diff.items() if n})
                if diff:
                    for unit_id in above:
                        change[(cycle_id, unit_id)] = diff
            _add(change)
        rows = [
            SubjectTally(cycle_id=c, unit_id=u, n=n, **bucket._asdict())
            for (c, u), counts in fresh.items()
            for bucket, n in counts.items()
        ]
        SubjectTally.objects.bulk_create(rows, batch_size=5000)
        return len(rows)


def unit_moved(event) -> None:
    """``orgtree.hooks`` move hook: carry the moved unit's folded figures (every cycle) from
    the ancestors it left to those it joined, in the move's transaction. Its own rows and those
    of the units below it count the same subjects as before, so they stay; the pending deltas
    follow their unit's path by themselves. Cost: the moved unit's rows (a few dozen buckets per
    cycle) added to a handful of ancestors — the same whatever the size of the subtree."""
    left = set(ancestor_paths(event.old_path))
    joined = set(ancestor_paths(event.new_path))
    lose, gain = left - joined, joined - left
    if not lose and not gain:
        return
    with transaction.atomic():
        _lock("tallies")  # after a fold that read the old paths, before one that reads the new
        ids = dict(Unit.objects.filter(path__in=lose | gain).values_list("path", "pk"))
        figures: dict[int, Counts] = defaultdict(Counter)
        for row in SubjectTally.objects.filter(unit_id=event.unit_id).values("cycle_id", *KEY, "n"):
            figures[row["cycle_id"]][_bucket(row)] += row["n"]
        change: dict[tuple[int, int], Counts] = {}
        for cycle_id, counts in figures.items():
            minus = Counter({b: -n for b, n in counts.items()})
            for path in lose:
                if path in ids:
                    change[(cycle_id, ids[path])] = minus
            for path in gain:
                if path in ids:
                    change[(cycle_id, ids[path])] = counts
        _add(change)
