"""Volume: a project's named Docker volume, on the host that made it."""
from oslo_utils import uuidutils
from oslo_versionedobjects import fields

from magnum_lite.db import volumes as db
from magnum_lite.objects import base

# Docker's name for a volume: the uuid's, so that two projects' volumes of
# one name never meet on an engine.
DOCKER_PREFIX = "magnum-lite-vol-"


@base.ObjectRegistry.register
class Volume(base.MagnumLiteObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(),
        "host": fields.StringField(),
        "created_for": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "updated_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
    }

    @property
    def docker_name(self):
        return DOCKER_PREFIX + self.uuid

    @classmethod
    def get(cls, context, ident, all_projects=False):
        """By uuid or by name, within the caller's project (an admin's
        with all_projects: anyone's)."""
        scope = None if (context.is_admin and all_projects) else \
            context.project_id
        row = db.volume_get(ident, scope,
                            by_name=not uuidutils.is_uuid_like(ident))
        return cls.from_row(context, row)

    @classmethod
    def named(cls, context, project_id, names):
        """{name: Volume} of the project's volumes among `names`."""
        return {name: cls.from_row(context, row) for name, row in
                db.volumes_named(project_id, names).items()}

    @classmethod
    def list(cls, context, filters=None, limit=None, marker=None,
             sort_key="id", sort_dir="asc", all_projects=False):
        filters = dict(filters or {})
        if not (context.is_admin and all_projects):
            filters["project_id"] = context.project_id
        return [cls.from_row(context, row) for row in db.volume_list(
            filters, limit, marker, sort_key, sort_dir)]

    def create(self):
        values = self.obj_get_changes()
        values.setdefault("uuid", uuidutils.generate_uuid())
        self._from_db_object(self._context, self, db.volume_create(values))

    def users(self, excluding=None):
        """uuids of the containers that mount it (but `excluding`)."""
        return db.volume_users(self.uuid, self.project_id, excluding)

    def destroy(self):
        db.volume_destroy(self.uuid)
