"""Database helpers the apps share (kept free of any app's models)."""

from kiemdiem.common.vietnamese import fold_diacritics


def search_words(queryset, q: str):
    """Rows whose ``search_text`` holds every word of ``q``, diacritics optional ("nguyen van"
    finds "Nguyễn Văn An"): the column is stored folded by ``fold_diacritics``, and so is each
    word. The one word search of lists, pages and the API."""
    for word in fold_diacritics(q).split():
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def column_writer(connection, table: str, column: str):
    """A function that sets ``column`` of ``table`` from (value, id) pairs: one statement per
    batch on PostgreSQL.

    bulk_update's CASE WHEN grows with the batch (about 1,300 rows/s on PostgreSQL); one UPDATE
    per row is about 10,000 rows/s; joining an unnest of two arrays about twice that
    (bench/people/RESULTS.md). SQLite runs in process, so one UPDATE per row is cheap there.
    """
    table, column = connection.ops.quote_name(table), connection.ops.quote_name(column)

    def write(pairs):
        if not pairs:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                keys, pks = zip(*pairs, strict=True)
                cursor.execute(
                    f"UPDATE {table} AS t SET {column} = v.key"
                    " FROM unnest(%s::text[], %s::bigint[]) AS v(key, id) WHERE t.id = v.id",
                    [list(keys), list(pks)],
                )
            else:
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s", pairs)

    return write


def without_waiting_for_disk(queryset):
    """``queryset``, which on PostgreSQL also sets its transaction's commit to return before the
    WAL reaches the disk (``set_config('synchronous_commit', 'off', true)`` in its select list:
    no round trip of its own). Evaluate it inside the transaction it is meant for.

    For writes that are cheap to lose and written again within seconds — the autosave of a
    draft while its writer types (the text is still on their page and goes again with the
    next keystroke). A crash can lose the last fraction of a second of such commits, never
    corrupt anything nor reorder them; every other write keeps the server's setting. Under
    load the wait for the disk was most of an autosave's time (bench/web/RESULTS.md)."""
    from django.db import connections
    from django.db.models.expressions import RawSQL

    if connections[queryset.db].vendor != "postgresql":
        return queryset
    return queryset.annotate(
        _commit_without_waiting=RawSQL("set_config('synchronous_commit', 'off', true)", [])
    )
