"""Single-statement row writes for the hot path: one missed call, one text.

Django's ORM compiles its SQL afresh for every query, and on the missed-call path that
compilation cost more CPU than PostgreSQL spent running the statements (bench/README.md).
These helpers build each statement's text once per process from the model's own fields
and run it with parameters, so a write costs one round trip and a few field conversions.

The rules they keep:
- Every column is written from the model's field (its default, `pre_save` and
  `get_db_prep_save`), exactly as `Model.save()` would write it: a column added to a model
  is written here too, with its default, without touching this module.
- `insert_new` is `INSERT … ON CONFLICT DO NOTHING RETURNING`: a unique constraint decides
  who is first, in the database, with no savepoint and no exception; the caller learns
  whether its row went in (the claim) from what comes back.
- `load_one` reads one row, and the rows its foreign keys name, into model instances with
  the same conversions the ORM applies (`from_db_value`, the backend's converters), and
  can lock the main row (`FOR UPDATE OF` it only, as `select_for_update(of=("self",))`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.fields import Field


@cache
def _insert_sql(model: type[Model], returning: tuple[str, ...]) -> tuple[str, tuple[Any, ...]]:
    meta = model._meta
    unsupported = [f.name for f in meta.concrete_fields if f.generated or f.has_db_default()]
    if unsupported:
        # The database would have to fill these in; this statement writes every column.
        raise TypeError(f"insert_new cannot write {model.__name__}.{', '.join(unsupported)}")
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key or f.has_default())
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    back = ", ".join(quote(meta.get_field(name).column) for name in returning)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608 - names from the model
        f"ON CONFLICT DO NOTHING RETURNING {back}"
    )
    return sql, fields


def insert_new(obj: Model, *, returning: Sequence[str] = ("id",)) -> tuple[Any, ...] | None:
    """Insert `obj` unless a unique constraint already holds its twin: the `returning`
    columns of the new row (its primary key also set on `obj`), or None when a row with the
    same unique values was there first and nothing was written."""
    sql, fields = _insert_sql(type(obj), tuple(returning))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is not None and "id" in returning:
        obj.pk = row[list(returning).index("id")]
        obj._state.adding = False
        obj._state.db = connection.alias
    return row


@cache
def _select_sql(
    model: type[Model], where: str, related: tuple[str, ...], lock: bool
) -> tuple[str, list[tuple[type[Model], list[Field], list[tuple[list, Any]]]], list[Field]]:
    quote = connection.ops.quote_name
    parts = [(model, "t", None)]
    for name in related:
        fk = model._meta.get_field(name)
        parts.append((fk.related_model, f"r{len(parts)}", fk))
    columns, joins, shapes = [], [], []
    for part_model, alias, fk in parts:
        fields = list(part_model._meta.concrete_fields)
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        convert = []
        for f in fields:
            col = f.get_col(alias)
            funcs = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
            convert.append((funcs, col))
        shapes.append((part_model, fields, convert))
        if fk is not None:
            target = quote(fk.target_field.column)
            joins.append(
                f"JOIN {quote(part_model._meta.db_table)} {alias} "
                f"ON {alias}.{target} = t.{quote(fk.column)}"
            )
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t "  # noqa: S608 - names from the models
        f"{' '.join(joins)} WHERE {where} LIMIT 1"
    )
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE OF t"
    return sql, shapes, [model._meta.get_field(name) for name in related]


def load_one(
    model: type[Model],
    *,
    where: str,
    params: Sequence[Any],
    related: Sequence[str] = (),
    lock: bool = False,
) -> Model | None:
    """The first row of `model` matching `where` (SQL on the model's table, aliased `t`,
    with %s parameters), or None; with the rows of its foreign keys `related` attached as
    `select_related` would, and locked for update when `lock` (inside a transaction)."""
    sql, shapes, fks = _select_sql(model, where, tuple(related), lock)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for part_model, fields, converters in shapes:
        values = list(row[start : start + len(fields)])
        for i, (funcs, col) in enumerate(converters):
            for func in funcs:
                values[i] = func(values[i], col, connection)
        start += len(fields)
        objects.append(part_model.from_db(connection.alias, [f.attname for f in fields], values))
    for fk, obj in zip(fks, objects[1:], strict=True):
        fk.set_cached_value(objects[0], obj)
    return objects[0]
