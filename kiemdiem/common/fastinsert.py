"""Insert many new rows fast: COPY on PostgreSQL, executemany on SQLite.

``bulk_create`` spends most of a 100,000-person import compiling SQL for each value, and
building a model instance per row costs as much again. Here the caller builds plain tuples of
column values; the primary keys are reserved first (PostgreSQL: the table's sequence; SQLite:
max(id) + n, safe because a bulk load holds the database's write lock for its whole
transaction), and the rows go to the database in one COPY (PostgreSQL) or one executemany
(SQLite). Only plain fields are supported. Used by the importer and by the audit log's bulk
writer (``audit.services.log_actions_bulk``), hence here among the shared helpers.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


def reserve_ids(model, count: int) -> Sequence[int]:
    """``count`` new primary keys for ``model``'s table, in increasing order."""
    if count <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s)) ORDER BY n) "
                "FROM generate_series(1, %s) AS n",
                [table, pk, count],
            )
            return cursor.fetchone()[0]  # one array, not a row per key
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
        return range(start, start + count)


def _sqlite_value(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, uuid.UUID):
        return value.hex  # how Django stores a UUIDField in SQLite
    return value


def _json_dumper(field: models.JSONField):
    encoder = (field.encoder or DjangoJSONEncoder)()  # what JSONField.get_prep_value does
    return lambda value: None if value is None else encoder.encode(value)


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write ``rows``: tuples in the order of ``columns`` (field attnames; the primary key if
    the caller reserved it with ``reserve_ids``, else the table assigns it).

    JSON columns take Python values (encoded with the field's encoder, as Django does); other
    values go to the database as they are (dates, aware datetimes, None, str, int, bool).
    """
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    dumpers = {i: _json_dumper(fields[i]) for i in json_at}
    table = model._meta.db_table
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sqlite = connection.vendor != "postgresql"

    def prepared():
        for row in rows:
            if dumpers or sqlite:
                row = list(row)
                for i, dump in dumpers.items():
                    row[i] = dump(row[i])
                if sqlite:
                    row = [_sqlite_value(v) for v in row]
            yield row

    with connection.cursor() as cursor:
        if not sqlite:
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in prepared():
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(prepared()))
