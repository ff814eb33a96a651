"""ContainerAction: the log of what was asked of a container, and how it
ended."""
import datetime

from oslo_utils import timeutils
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

from magnum_lite.db import api as db
from magnum_lite.objects import base

SUCCESS = "Success"
ERROR = "Error"


@base.ObjectRegistry.register
class ContainerAction(base.MagnumLiteObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "container_uuid": fields.UUIDField(),
        "action": fields.StringField(),
        "request_id": fields.StringField(nullable=True),
        "project_id": fields.StringField(nullable=True),
        "user_id": fields.StringField(nullable=True),
        "start_time": fields.DateTimeField(tzinfo_aware=False),
        "finish_time": fields.DateTimeField(nullable=True,
                                            tzinfo_aware=False),
        "result": fields.StringField(nullable=True),
        "message": fields.StringField(nullable=True),
    }

    @classmethod
    def start(cls, context, container_uuid, action, container=None):
        """Record the start; or take up the entry the API began for the
        same request (context.request_id) and action, if it is not
        finished. With `container`, what it has not saved yet is saved in
        the same transaction."""
        row = db.action_start({
            "container_uuid": container_uuid, "action": action,
            "request_id": context.request_id,
            "project_id": context.project_id, "user_id": context.user_id},
            _changes(container))
        if container is not None:
            container.obj_reset_changes()
        return cls.from_row(context, row)

    def finish(self, error=None, steps=(), container=None):
        """Record the end: the steps done, then the error if any. With
        `container`, what it has not saved yet is saved in the same
        transaction."""
        self.result = ERROR if error else SUCCESS
        told = list(steps) + ([str(error)] if error else [])
        self.message = "; ".join(told) or None
        db.action_finish(self.id, self.result, self.message,
                         self.container_uuid, _changes(container))
        self.obj_reset_changes()
        if container is not None:
            container.obj_reset_changes()

    @classmethod
    def end_unanswered(cls, context, container_uuid, reason, older_than):
        """End in error, with `reason`, every request for the container
        that started over older_than seconds ago and never finished; how
        many."""
        return db.action_end_unfinished(container_uuid, reason,
                                        started_before=_ago(older_than))

    @classmethod
    def end_interrupted(cls, context, container_uuid, action, reason):
        """End in error, with `reason`, the entry of an `action` that an
        operation took up and did not finish: the oldest unfinished one
        (a newer one is a request still waiting its turn)."""
        return db.action_end_unfinished(container_uuid, reason,
                                        action=action, oldest_only=True)

    @classmethod
    def unfinished_containers(cls, context, older_than):
        """The uuids of containers with an action that started over
        older_than seconds ago and has not finished."""
        return db.action_unfinished_containers(_ago(older_than))

    @classmethod
    def get(cls, context, container_uuid, request_id):
        return cls.from_row(context, db.action_get(container_uuid,
                                                   request_id))

    @classmethod
    def list_for(cls, context, container_uuid):
        return [cls.from_row(context, row)
                for row in db.action_list(container_uuid)]


def _ago(seconds):
    return timeutils.utcnow() - datetime.timedelta(seconds=seconds)


def _changes(container):
    return container.obj_get_changes() if container is not None else None


@base.ObjectRegistry.register
class ContainerActionList(ovo_base.ObjectListBase, base.MagnumLiteObject):
    VERSION = "1.0"
    fields = {"objects": fields.ListOfObjectsField("ContainerAction")}
