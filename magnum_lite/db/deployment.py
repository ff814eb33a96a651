"""The deployment's identity (made once, by `db upgrade`)."""
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import models


def identity():
    """The deployment's id, as the migration made it."""
    return db.read(sa.select(models.Deployment.id))[0].id
