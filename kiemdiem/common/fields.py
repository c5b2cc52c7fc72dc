"""Model fields shared by several apps."""

from django.db import models


class PathField(models.CharField):
    """A materialized tree path compared byte by byte.

    On PostgreSQL the column gets the "C" collation so that ordering and ``LIKE 'prefix%'``
    use plain byte order and an ordinary B-tree index; a locale collation would ignore
    punctuation and could not serve prefix searches. SQLite compares bytes already.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


class SortKeyField(models.CharField):
    """A stored sort key (``common.vietnamese``) compared byte by byte.

    The key is ASCII punctuation, digits and letters whose byte order is the Vietnamese order;
    a locale collation on PostgreSQL would skip the punctuation and reorder the rest, so the
    column gets the "C" collation there. SQLite compares bytes already.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
