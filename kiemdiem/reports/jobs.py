"""The background work of reports: folding the summary deltas (``cycles.tallies.fold``)."""

from kiemdiem.cycles import tallies


def fold_tallies(context) -> None:
    """Fold every pending delta, a batch at a time."""
    total = 0
    while folded := tallies.fold():
        total += folded
    context.progress(total, total)
