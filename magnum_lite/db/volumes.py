"""Queries on volumes: a project's named volumes and who mounts them."""
from oslo_db import exception as db_exc
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import lookup
from magnum_lite.db import models
from magnum_lite import exception

VOLUMES = models.Volume.__table__
CONTAINERS = models.Container.__table__
SORT_KEYS = ("id", "name", "host", "created_at")


@db.retried
def volume_create(values):
    """A new volume row; Conflict when the project has one of that name
    (made by a create at the same moment)."""
    try:
        with db.transaction() as session:
            row = models.Volume(created_at=db.now(), **values)
            session.add(row)
            session.flush()
            return row
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason=f"Volume {values['name']} is being made by another "
                   "create; try again.")


def volumes_named(project_id, names):
    """The project's volumes of these names, {name: row}."""
    if not names:
        return {}
    rows = db.read(sa.select(VOLUMES).where(
        VOLUMES.c.project_id == project_id, VOLUMES.c.name.in_(names)))
    return {row.name: row for row in rows}


def _not_found(ident):
    return exception.VolumeNotFound(volume=ident)


def volume_get(ident, project_id=None, by_name=False):
    return lookup.one(VOLUMES, _not_found, ident, project_id, by_name)


def volume_list(filters=None, limit=None, marker=None, sort_key="id",
                sort_dir="asc"):
    return lookup.page(VOLUMES, _not_found, filters, limit, marker,
                       sort_key, sort_dir)


def volume_users(uuid, project_id, excluding=None):
    """uuids of the project's containers that mount the volume (but
    `excluding`). mounts is JSON text on every backend, and the volume's
    uuid appears in it only as its volume_id."""
    query = sa.select(CONTAINERS.c.uuid).where(
        CONTAINERS.c.project_id == project_id,
        sa.cast(CONTAINERS.c.mounts, sa.Text).like(f'%"{uuid}"%'))
    if excluding is not None:
        query = query.where(CONTAINERS.c.uuid != excluding)
    return [row.uuid for row in db.read(query)]


@db.retried
def volume_destroy(uuid):
    with db.transaction() as session:
        session.execute(sa.delete(VOLUMES).where(VOLUMES.c.uuid == uuid))
