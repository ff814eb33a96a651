"""Container: one tenant container, its Docker identity and its status."""
from oslo_utils import uuidutils
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

from magnum_lite.db import actions as db_actions
from magnum_lite.db import api as db
from magnum_lite import lifecycle
from magnum_lite.objects import base

# What a row is (Container.kind): a tenant's container; a capsule, whose
# row is its sandbox and holds the capsule's claim; a capsule's member,
# run to completion first (init) or kept running.
KIND_CONTAINER = "container"
KIND_CAPSULE = "capsule"
KIND_MEMBER = "capsule-container"
KIND_INIT = "capsule-init"

@base.ObjectRegistry.register
class Container(base.MagnumLiteObject):
    # Version 1.0: Initial version
    # Version 1.1: status_detail (progress of the work in flight, e.g. pull)
    # Version 1.2: idempotency_key (a retried create finds its record)
    # Version 1.3: registry_id (the project's registry it pulls from)
    # Version 1.4: entrypoint, privileged, runtime
    # Version 1.5: mounts, healthcheck, health, auto_heal
    # Version 1.6: interactive, tty
    # Version 1.7: kind, capsule_id, annotations (capsules)
    VERSION = "1.7"

    fields = {
        "id": fields.IntegerField(),
        "uuid": fields.UUIDField(),
        "name": fields.StringField(),
        "project_id": fields.StringField(),
        "user_id": fields.StringField(),
        "image": fields.StringField(),
        "command": fields.ListOfStringsField(nullable=True),
        "cpu": fields.FloatField(nullable=True),
        "memory": fields.IntegerField(nullable=True),
        "environment": fields.DictOfStringsField(nullable=True),
        "labels": fields.DictOfStringsField(nullable=True),
        "workdir": fields.StringField(nullable=True),
        "hostname": fields.StringField(nullable=True),
        "restart_policy": base.JsonField(nullable=True),
        "image_pull_policy": fields.StringField(nullable=True),
        "auto_remove": fields.BooleanField(default=False),
        "status": base.ContainerStatusField(),
        "status_reason": fields.StringField(nullable=True),
        "status_detail": fields.StringField(nullable=True),
        "task_state": fields.StringField(nullable=True),
        "container_id": fields.StringField(nullable=True),
        "host": fields.StringField(nullable=True),
        "idempotency_key": fields.StringField(nullable=True),
        "registry_id": fields.StringField(nullable=True),
        "entrypoint": fields.ListOfStringsField(nullable=True),
        "privileged": fields.BooleanField(default=False),
        "runtime": fields.StringField(nullable=True),
        "mounts": fields.ListOfDictOfNullableStringsField(nullable=True),
        "healthcheck": base.JsonField(nullable=True),
        "health": fields.StringField(nullable=True),
        "auto_heal": fields.BooleanField(default=False),
        "interactive": fields.BooleanField(default=False),
        "tty": fields.BooleanField(default=False),
        "kind": fields.StringField(default=KIND_CONTAINER),
        "capsule_id": fields.StringField(nullable=True),
        "annotations": fields.DictOfStringsField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "updated_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        version = tuple(int(part) for part in target_version.split("."))
        if version < (1, 7):
            for name in ("kind", "capsule_id", "annotations"):
                primitive.pop(name, None)
        if version < (1, 6):
            for name in ("interactive", "tty"):
                primitive.pop(name, None)
        if version < (1, 5):
            for name in ("mounts", "healthcheck", "health", "auto_heal"):
                primitive.pop(name, None)
        if version < (1, 4):
            for name in ("entrypoint", "privileged", "runtime"):
                primitive.pop(name, None)
        if version < (1, 3):
            primitive.pop("registry_id", None)
        if version < (1, 2):
            primitive.pop("idempotency_key", None)
        if version < (1, 1):
            primitive.pop("status_detail", None)

    @classmethod
    def get(cls, context, ident):
        """By uuid or by name, within the caller's project."""
        scope = base.project_scope(context)
        if uuidutils.is_uuid_like(ident):
            row = db.container_get(ident, scope)
        else:
            row = db.container_get_by_name(ident, scope)
        return cls.from_row(context, row)

    def create(self, hosts=None, claim=None, limits=None, placement=None):
        """Write the new record; whether it is new. With an idempotency_key
        that the project used before, this becomes that earlier record
        instead. With hosts and claim (memory_mb, cpu), it goes to the
        first of the hosts where the claim fits; None when none has room.
        With limits, the project's quota is claimed too (QuotaExceeded).
        placement ({hints, forced}) is kept to place it again if its host
        fails the create.
        """
        values = self.obj_get_changes()
        values.setdefault("uuid", uuidutils.generate_uuid())
        row = db.container_create(values, hosts, claim, limits, placement)
        if row is None:
            return None
        self._from_db_object(self._context, self, row)
        return row.uuid == values["uuid"]

    def save(self, expected_status=None):
        """Write what changed. With expected_status, only while the stored
        status is one of those; returns whether it was written."""
        changes = self.obj_get_changes()
        if not changes:
            return True
        written = db.container_update(self.uuid, changes, expected_status)
        if written:
            self.obj_reset_changes()
        return written

    def placement(self):
        """{hints, forced, tried, claim}: how it was placed, and what it
        holds of its host."""
        return db.container_placement(self.uuid)

    def replace(self, hosts, reason, moved_from=None):
        """After its host failed the create (or, with moved_from, was
        lost before any conductor took the create up): to the first of
        hosts with room, status Creating again; the new host, or None."""
        host = db.container_replace(self.uuid, hosts, {
            "status": lifecycle.CREATING, "status_reason": reason,
            "status_detail": None, "container_id": None,
            "task_state": None}, moved_from)
        if host is not None:
            self.host, self.status, self.status_reason = (
                host, lifecycle.CREATING, reason)
            self.container_id = self.status_detail = self.task_state = None
            self.obj_reset_changes()
        return host

    def claim(self, memory_mb, cpu, limits):
        """Hold (memory_mb, cpu) of the host and the project's quota from
        now on (NoValidHost or QuotaExceeded when a raise does not fit);
        the claim held before, (memory_mb, cpu)."""
        return db.container_claim_change(self.uuid, memory_mb, cpu, limits)

    def destroy(self):
        db.container_destroy(self.uuid)

    def withdraw(self):
        """Destroy a record whose create could not be sent, unless a
        conductor took the create up meanwhile: whether it is gone."""
        return db_actions.create_withdraw(self.uuid)


@base.ObjectRegistry.register
class ContainerList(ovo_base.ObjectListBase, base.MagnumLiteObject):
    # Version 1.0: Initial version
    # Version 1.1: Container 1.1
    # Version 1.2: Container 1.2
    # Version 1.3: Container 1.3
    # Version 1.4: Container 1.4
    # Version 1.5: Container 1.5
    # Version 1.6: Container 1.6
    # Version 1.7: Container 1.7
    VERSION = "1.7"

    fields = {"objects": fields.ListOfObjectsField("Container")}

    @classmethod
    def list(cls, context, filters=None, limit=None, marker=None,
             sort_key="id", sort_dir="asc", kind=KIND_CONTAINER):
        """A page of containers (or, by kind, capsules): the caller's
        project's, or for an admin asking for all projects, everyone's (a
        project_id filter narrows)."""
        filters = dict(filters or {}, kind=kind)
        if not (context.is_admin and context.all_projects):
            if not context.is_admin:
                filters["project_id"] = context.project_id
            else:
                filters.setdefault("project_id", context.project_id)
        rows = db.container_list(filters, limit, marker, sort_key, sort_dir)
        return ovo_base.obj_make_list(context, cls(context), rows)

    @classmethod
    def members(cls, context, capsule_uuid):
        """A capsule's members, init containers first, each kind in the
        template's order."""
        return cls.members_of(context, [capsule_uuid]).get(capsule_uuid, [])

    @classmethod
    def members_of(cls, context, capsule_uuids):
        """{capsule uuid: its members, as members() orders them}."""
        found = {}
        for row in sorted(db.container_members(capsule_uuids),
                          key=lambda row: (row.kind != KIND_INIT, row.id)):
            found.setdefault(row.capsule_id, []).append(
                Container.from_row(context, row))
        return found

    @classmethod
    def on_host(cls, context, host):
        rows = db.container_list({"host": host})
        return ovo_base.obj_make_list(context, cls(context), rows)
