"""ContainerAction: the log of what was asked of a container, who took it
up, and how it ended."""
import datetime

from oslo_utils import timeutils
from oslo_versionedobjects import base as ovo_base
from oslo_versionedobjects import fields

from magnum_lite.db import actions as db
from magnum_lite.objects import base

SUCCESS = "Success"
ERROR = "Error"


@base.ObjectRegistry.register
class ContainerAction(base.MagnumLiteObject):
    # Version 1.0: Initial version
    # Version 1.1: options, taken_by (requests carried out from the log)
    # Version 1.2: events (the steps it took, as Zun's action events)
    VERSION = "1.2"

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
        "options": base.JsonField(nullable=True),
        "taken_by": fields.StringField(nullable=True),
        # [{event, start_time, finish_time, result, traceback}]: times in
        # ISO 8601 with the UTC offset; traceback always None.
        "events": fields.ListOfDictOfNullableStringsField(nullable=True),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        target = tuple(int(p) for p in target_version.split("."))
        if target < (1, 2):
            primitive.pop("events", None)
        if target < (1, 1):
            primitive.pop("options", None)
            primitive.pop("taken_by", None)

    @classmethod
    def begin(cls, context, container_uuid, action, container=None,
              options=None):
        """Enter a request before it is sent (the API does): with what it
        asks besides its action, so a conductor can carry it out from the
        log. With `container`, what it has not saved yet is saved in the
        same transaction."""
        row = db.action_begin(dict(_asked(context, container_uuid, action),
                                   options=options or None),
                              _changes(container))
        _saved(container)
        return cls.from_row(context, row)

    @classmethod
    def take(cls, context, container_uuid, action, container, host, taker):
        """Take up this request's entry for `taker` (a conductor process)
        or begin one; None when the request was carried out already.
        NotThisHost when the record has moved to another host. What
        `container` has not saved yet is saved in the same transaction."""
        row = db.action_take(_asked(context, container_uuid, action),
                             _changes(container), host, taker)
        if row is None:
            return None
        _saved(container)
        return cls.from_row(context, row)

    def finish(self, error=None, steps=(), container=None):
        """Record the end: each step done as an event, then the error if
        any as the event that failed. A success has no message (as Zun);
        a failure's says what was done and why it failed. With
        `container`, what it has not saved yet is saved in the same
        transaction."""
        self.result = ERROR if error else SUCCESS
        told = (list(steps) + [str(error)]) if error else []
        self.message = "; ".join(told) or None
        self.finish_time = timeutils.utcnow()
        self.events = _events(steps, error, self.start_time,
                              self.finish_time)
        db.action_finish(self.id, self.result, self.message,
                         self.container_uuid, _changes(container),
                         events=self.events, finish_time=self.finish_time)
        self.obj_reset_changes()
        _saved(container)

    @classmethod
    def backlog(cls, context, host, older_than=None):
        """The unfinished requests of the host's containers, oldest
        first."""
        before = None if older_than is None else _ago(older_than)
        return [cls.from_row(context, row)
                for row in db.action_backlog(host, before)]

    @classmethod
    def end_unfinished(cls, context, container_uuid, reason,
                       older_than=None, action=None, result=ERROR):
        """End with `result` (in error unless told), with `reason`, the
        container's unfinished requests (started over older_than seconds
        ago, or of `action`); how many."""
        before = None if older_than is None else _ago(older_than)
        return db.action_end_unfinished(container_uuid, reason, before,
                                        action, result)

    @classmethod
    def untaken_creates(cls, context, host):
        """uuids of the host's records whose create nobody took up."""
        return db.action_untaken_creates(host)

    @classmethod
    def unfinished_on(cls, context, host, older_than):
        """uuids of the host's containers with a request unfinished for
        over older_than seconds."""
        return db.action_unfinished_on(host, _ago(older_than))

    @classmethod
    def get(cls, context, container_uuid, request_id):
        return cls.from_row(context, db.action_get(container_uuid,
                                                   request_id))

    @classmethod
    def list_for(cls, context, container_uuid):
        return [cls.from_row(context, row)
                for row in db.action_list(container_uuid)]


def _asked(context, container_uuid, action):
    return {"container_uuid": container_uuid, "action": action,
            "request_id": context.request_id,
            "project_id": context.project_id, "user_id": context.user_id}


def _events(steps, error, started, finished):
    """Zun's events of an action: one per step, named by what it did
    (docs/api-differences.md), then the error's. Steps keep no times of
    their own: each has the action's. Never a traceback: a tenant reads
    these."""
    done = [(step, SUCCESS) for step in steps]
    if error:
        done.append((str(error), ERROR))
    return [{"event": name, "start_time": _isotime(started),
             "finish_time": _isotime(finished), "result": result,
             "traceback": None} for name, result in done]


def _isotime(moment):
    # Stored times are naive UTC: written as the API writes times.
    return moment.isoformat(timespec="seconds") + "+00:00"


def _ago(seconds):
    return timeutils.utcnow() - datetime.timedelta(seconds=seconds)


def _changes(container):
    return container.obj_get_changes() if container is not None else None


def _saved(container):
    if container is not None:
        container.obj_reset_changes()


@base.ObjectRegistry.register
class ContainerActionList(ovo_base.ObjectListBase, base.MagnumLiteObject):
    # Version 1.0: Initial version
    # Version 1.1: ContainerAction 1.1
    # Version 1.2: ContainerAction 1.2
    VERSION = "1.2"
    fields = {"objects": fields.ListOfObjectsField("ContainerAction")}
