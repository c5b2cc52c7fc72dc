"""Insert many new model rows fast: COPY on PostgreSQL, executemany on SQLite.

``bulk_create`` spends most of a 100,000-person import compiling SQL for each value. Here the
primary keys are reserved first (PostgreSQL: the table's sequence; SQLite: max(id) + n, safe
because the import holds the database's write lock for its whole transaction), the values
are taken straight from the instances' attributes, and the rows go to the database in one
COPY (PostgreSQL) or one executemany (SQLite). Instances get their ``pk`` set, as with
``bulk_create``. Only plain fields are supported: what the import writes.
"""

from __future__ import annotations

import datetime
import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone


def _columns(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields]


def _value(field: models.Field, obj, now, vendor: str):
    if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
        setattr(obj, field.attname, now)
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value, cls=field.encoder or DjangoJSONEncoder)
    if vendor == "sqlite":
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, uuid.UUID):
            return value.hex  # how Django stores a UUIDField in SQLite
    return value


def insert(model, objs: list) -> None:
    if not objs:
        return
    vendor = connection.vendor
    table = model._meta.db_table
    pk = model._meta.pk
    fields = _columns(model)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    now = timezone.now()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(objs)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute(f"SELECT COALESCE(MAX({pk.column}), 0) FROM {table}")  # noqa: S608
            start = cursor.fetchone()[0] + 1
            ids = range(start, start + len(objs))
        relations = [f for f in fields if f.is_relation]
        for obj, pk_value in zip(objs, ids, strict=True):
            for field in relations:  # a related object saved after it was assigned
                if field.is_cached(obj):
                    related = field.get_cached_value(obj)
                    setattr(obj, field.attname, related.pk if related is not None else None)
            obj.pk = pk_value
            obj._state.adding = False
            obj._state.db = "default"
        rows = ([_value(f, obj, now, vendor) for f in fields] for obj in objs)
        if vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))
