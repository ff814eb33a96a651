"""The deployment's identity: what its conductors label their containers
with, so that two deployments on one engine never touch each other's."""
from magnum_lite.db import deployment as db


def identity():
    """The deployment's id (made once, by `db upgrade`)."""
    return db.identity()
