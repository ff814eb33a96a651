"""Queries on quotas: the limits of projects and quota classes, and what
a project holds (its claims are taken with its containers, in claims.py)."""
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import claims
from magnum_lite.db import models

QUOTAS = models.Quota.__table__
QUOTA_CLASSES = models.QuotaClass.__table__


def quota_class_get(class_name):
    """{resource: limit} the quota class sets."""
    return dict(db.read(sa.select(QUOTA_CLASSES.c.resource,
                                  QUOTA_CLASSES.c.hard_limit)
                        .where(QUOTA_CLASSES.c.class_name == class_name)))


def limits_of(project_id, class_name):
    """({resource: limit} of the class, {resource: limit} of the project's
    own), in one query: a create asks for both."""
    rows = db.read(sa.union_all(
        sa.select(QUOTA_CLASSES.c.resource, QUOTA_CLASSES.c.hard_limit,
                  sa.literal(False).label("own"))
        .where(QUOTA_CLASSES.c.class_name == class_name),
        sa.select(QUOTAS.c.resource, QUOTAS.c.hard_limit,
                  sa.literal(True).label("own"))
        .where(QUOTAS.c.project_id == project_id)))
    found = ({}, {})
    for resource, limit, own in rows:
        found[bool(own)][resource] = limit
    return found


@db.retried
def _limits_set(table, owner_column, owner, limits):
    with db.transaction() as session:
        for resource, limit in limits.items():
            mine = sa.and_(owner_column == owner,
                           table.c.resource == resource)
            if not session.execute(sa.update(table).where(mine).values(
                    hard_limit=limit)).rowcount:
                session.execute(sa.insert(table).values(
                    {owner_column.name: owner, "resource": resource,
                     "hard_limit": limit}))


def quota_set(project_id, limits):
    _limits_set(QUOTAS, QUOTAS.c.project_id, project_id, limits)


def quota_class_set(class_name, limits):
    _limits_set(QUOTA_CLASSES, QUOTA_CLASSES.c.class_name, class_name,
                limits)


@db.retried
def quota_delete(project_id):
    """The project goes back to its class's limits."""
    with db.transaction() as session:
        session.execute(sa.delete(QUOTAS).where(
            QUOTAS.c.project_id == project_id))


def quota_usage(project_id):
    with db.transaction() as session:
        return claims.usage(session, project_id)
