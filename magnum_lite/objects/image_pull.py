"""Image pulls: which project pulled an image onto a host, and with a login."""
from magnum_lite.db import image_pulls as db


def pulls_of(host, image_id):
    """[(repository, project_id)]; project_id None for a shared pull."""
    return db.pulls_of(host, image_id)


def record(host, image_id, repository, project_id=None):
    """That the project (None: nobody in particular, so shared) pulled
    `image_id` from `repository` onto the host, or may use it."""
    db.record(host, image_id, repository, project_id)
