"""Queries on image pulls: which project pulled which image onto a host."""
from oslo_db import exception as db_exc
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import models

PULLS = models.ImagePull.__table__


def pulls_of(host, image_id):
    """[(repository, project_id)] of the image's pulls on the host."""
    return [(row.repository, row.project_id) for row in db.read(
        sa.select(PULLS.c.repository, PULLS.c.project_id).where(
            PULLS.c.host == host, PULLS.c.image_id == image_id))]


@db.retried
def record(host, image_id, repository, project_id):
    """Add the pull unless the project (or NULL: shared) has one of that
    image on the host already."""
    same = sa.and_(PULLS.c.host == host, PULLS.c.image_id == image_id,
                   PULLS.c.project_id.is_(None) if project_id is None
                   else PULLS.c.project_id == project_id)
    try:
        with db.transaction() as session:
            if session.execute(sa.select(PULLS.c.id).where(same)).first():
                return
            session.execute(sa.insert(PULLS).values(
                host=host, image_id=image_id, repository=repository,
                project_id=project_id, created_at=db.now()))
    except db_exc.DBDuplicateEntry:
        pass  # the same pull, recorded meanwhile by another create
