"""Queries on the private registries: a project's records of where it
pulls from and with which login."""
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import lookup
from magnum_lite.db import models
from magnum_lite import exception

REGISTRIES = models.Registry.__table__
FILTERS = ("name", "domain", "username", "project_id", "user_id")
SORT_KEYS = ("id", "uuid", "name", "domain", "username", "created_at")


@db.retried
def registry_create(values):
    with db.transaction() as session:
        row = models.Registry(**values)
        session.add(row)
        session.flush()
        return row


def _not_found(ident):
    return exception.RegistryNotFound(registry=ident)


def registry_get(ident, project_id=None, by_name=False):
    """One registry by uuid (or by name), within project_id if given;
    RegistryNotFound, or Conflict when a name is not unique."""
    return lookup.one(REGISTRIES, _not_found, ident, project_id, by_name)


def registry_list(filters=None, limit=None, marker=None, sort_key="id",
                  sort_dir="asc"):
    return lookup.page(REGISTRIES, _not_found, filters, limit, marker,
                       sort_key, sort_dir)


def registry_for_domain(project_id, domain):
    """The project's registry for this domain (the oldest, if several),
    or None."""
    rows = db.read(sa.select(REGISTRIES).where(
        REGISTRIES.c.project_id == project_id,
        REGISTRIES.c.domain == domain).order_by(REGISTRIES.c.id).limit(1))
    return rows[0] if rows else None


@db.retried
def registry_update(uuid, values):
    with db.transaction() as session:
        session.execute(sa.update(REGISTRIES).where(
            REGISTRIES.c.uuid == uuid).values(updated_at=db.now(),
                                               **values))
    return registry_get(uuid)


@db.retried
def registry_destroy(uuid):
    with db.transaction() as session:
        session.execute(sa.delete(REGISTRIES).where(
            REGISTRIES.c.uuid == uuid))
