"""Registry: a project's private registry, where it is and the login to
pull from it with (the password encrypted, magnum_lite/secret.py)."""
from oslo_utils import uuidutils
from oslo_versionedobjects import fields

from magnum_lite.db import registries as db
from magnum_lite.objects import base
from magnum_lite import secret


@base.ObjectRegistry.register
class Registry(base.MagnumLiteObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(nullable=True),
        "domain": fields.StringField(),
        "username": fields.StringField(nullable=True),
        # The encrypted token, never the password itself.
        "password": fields.SensitiveStringField(nullable=True),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(),
        "created_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "updated_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
    }

    @classmethod
    def get(cls, context, ident, all_projects=False):
        """By uuid or by name, within the caller's project (an admin's
        with all_projects: anyone's)."""
        scope = None if (context.is_admin and all_projects) else \
            context.project_id
        row = db.registry_get(ident, scope,
                              by_name=not uuidutils.is_uuid_like(ident))
        return cls.from_row(context, row)

    @classmethod
    def for_domain(cls, context, project_id, domain):
        """The project's registry of an image's domain, or None."""
        row = db.registry_for_domain(project_id, domain)
        return None if row is None else cls.from_row(context, row)

    @classmethod
    def list(cls, context, filters=None, limit=None, marker=None,
             sort_key="id", sort_dir="asc", all_projects=False):
        filters = dict(filters or {})
        if not (context.is_admin and all_projects):
            filters["project_id"] = context.project_id
        return [cls.from_row(context, row) for row in db.registry_list(
            filters, limit, marker, sort_key, sort_dir)]

    def create(self):
        values = self.obj_get_changes()
        values.setdefault("uuid", uuidutils.generate_uuid())
        self._from_db_object(self._context, self, db.registry_create(values))

    def save(self):
        changes = self.obj_get_changes()
        if changes:
            self._from_db_object(self._context, self,
                                 db.registry_update(self.uuid, changes))

    def login(self, conf):
        """{username, password} for a pull, the password decrypted; None
        when it keeps no username."""
        if not self.username:
            return None
        return {"username": self.username,
                "password": secret.decrypt(conf, self.password)}

    def destroy(self):
        db.registry_destroy(self.uuid)
