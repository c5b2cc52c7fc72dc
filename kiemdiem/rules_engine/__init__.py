"""kiemdiem rating engine: pure Python, no Django.

Public API::

    from kiemdiem.rules_engine import load_pack, evaluate
    pack = load_pack("R2025")
    result = evaluate(pack, {"id": "dv-1", "kind": "party_member", "facts": {...}})
    result.tier, result.explain("vi"), result.to_dict()

Rule packs are versioned data files in ``packs/``; see ``docs/rules-engine.md``.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import InputError, PackError, RulesError
from .evaluate import Flag, Product, Result, Step, Subject, evaluate, evaluate_many
from .pack import (
    Pack,
    PackInfo,
    available_packs,
    error_line,
    load_pack,
    load_pack_file,
    loads_pack,
    loads_pack_text,
    pack_warnings,
    select_pack,
)
from .quotas import (
    PlaceConflict,
    QuotaOutcome,
    apply_all_quotas,
    apply_quotas,
    decide_quota,
    party_htxsnv_share,
    reconcile_places,
)
from .types import NOT_RATED, RATED, UNDETERMINED, Discipline, Level, Tier


def evaluate_batch(
    pack: Pack,
    kind: str,
    source: str | Iterable[Subject | Mapping[str, Any]],
    *,
    con: Any = None,
) -> Any:
    """Rate many subjects at once with DuckDB (see ``batch.evaluate_batch``).

    Imported when called, so the engine loads without DuckDB until a batch is rated.
    """
    from .batch import evaluate_batch as _evaluate_batch

    return _evaluate_batch(pack, kind, source, con=con)


__all__ = [
    "NOT_RATED",
    "RATED",
    "UNDETERMINED",
    "Discipline",
    "Flag",
    "InputError",
    "Level",
    "Pack",
    "PackError",
    "PackInfo",
    "PlaceConflict",
    "Product",
    "QuotaOutcome",
    "Result",
    "RulesError",
    "Step",
    "Subject",
    "Tier",
    "apply_all_quotas",
    "apply_quotas",
    "available_packs",
    "decide_quota",
    "evaluate",
    "evaluate_batch",
    "evaluate_many",
    "load_pack",
    "load_pack_file",
    "error_line",
    "loads_pack",
    "loads_pack_text",
    "pack_warnings",
    "party_htxsnv_share",
    "reconcile_places",
    "select_pack",
]
