"""The rule set behind a pin: a shipped central pack, or a province's stored local pack.

A local pack is rebuilt from its stored text (and checked against its stored hash) once per
process and hash; packs are immutable, so the cache never goes stale.
"""

from __future__ import annotations

from functools import lru_cache

from kiemdiem import rules_engine
from kiemdiem.cycles.models import LocalPack, PinnedPack


@lru_cache(maxsize=64)
def _from_text(content_hash: str, text: str, name: str) -> rules_engine.Pack:
    return rules_engine.loads_pack_text(text, path=name)


def load_local(local: LocalPack) -> rules_engine.Pack:
    """The stored local pack, built again from its text (PackError when it no longer loads)."""
    return _from_text(local.content_hash, local.text, local.file_name or local.pack_id)


def pack_of_pin(pin: PinnedPack) -> rules_engine.Pack:
    """The pack a pin names (its hash is compared by the caller)."""
    if pin.local_pack_id:
        return load_local(pin.local_pack)
    return rules_engine.load_pack(pin.pack_id)
