"""Reads every table of a project's named records shares (registries,
volumes): one by uuid or by name, and a page after a marker."""
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite import exception


def one(table, not_found, ident, project_id=None, by_name=False):
    # not_found(ident): the NotFound of the record's kind.
    """The row whose uuid (or name) is ident, within project_id if given;
    not_found(ident) when there is none, Conflict when a name is not
    unique."""
    column = table.c.name if by_name else table.c.uuid
    query = sa.select(table).where(column == ident)
    if project_id is not None:
        query = query.where(table.c.project_id == project_id)
    rows = db.read(query.limit(2))
    if not rows:
        raise not_found(ident)
    if len(rows) > 1:
        raise exception.Conflict(
            reason=f"Several {table.name} are named {ident}; use its uuid.")
    return rows[0]


def page(table, not_found, filters=None, limit=None, marker=None,
         sort_key="id", sort_dir="asc"):
    """Rows matching filters ({column: value}), sorted, after the row of
    uuid `marker`."""
    query = sa.select(table)
    for name, value in (filters or {}).items():
        query = query.where(table.c[name] == value)
    column = table.c[sort_key]
    if marker is not None:
        after = one(table, not_found, marker)
        value = getattr(after, sort_key)
        query = query.where(sa.or_(
            column < value if sort_dir == "desc" else column > value,
            sa.and_(column == value, table.c.id > after.id)))
    query = query.order_by(column.desc() if sort_dir == "desc"
                           else column.asc(), table.c.id)
    if limit is not None:
        query = query.limit(limit)
    return db.read(query)
