"""Service: a conductor and the Docker host it owns, with its heartbeat."""
from oslo_versionedobjects import fields

from magnum_lite.db import services as db
from magnum_lite import liveness
from magnum_lite.objects import base

CONDUCTOR = "magnum-lite-conductor"


@base.ObjectRegistry.register
class Service(base.MagnumLiteObject):
    # Version 1.0: Initial version
    # Version 1.1: capacity (memory_mb, cpus, labels) and what is claimed
    #              of it (memory_used_mb, cpu_used, container_count)
    # Version 1.2: forced_down
    # Version 1.3: gap_start, gap_end, judged_lost_at, engine_down_since,
    #              engine_error (liveness.py)
    VERSION = "1.3"

    fields = {
        "id": fields.IntegerField(),
        "host": fields.StringField(),
        "binary": fields.StringField(),
        "topic": fields.StringField(),
        "disabled": fields.BooleanField(),
        "disabled_reason": fields.StringField(nullable=True),
        "report_count": fields.IntegerField(),
        "engine_info": base.JsonField(nullable=True),
        "memory_mb": fields.IntegerField(nullable=True),
        "cpus": fields.FloatField(nullable=True),
        "labels": base.JsonField(nullable=True),
        "memory_used_mb": fields.IntegerField(),
        "cpu_used": fields.FloatField(),
        "container_count": fields.IntegerField(),
        "forced_down": fields.BooleanField(),
        "gap_start": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "gap_end": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "judged_lost_at": fields.DateTimeField(nullable=True,
                                               tzinfo_aware=False),
        "engine_down_since": fields.DateTimeField(nullable=True,
                                                  tzinfo_aware=False),
        "engine_error": fields.StringField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "updated_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
    }

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        version = tuple(int(part) for part in target_version.split("."))
        if version < (1, 3):
            for name in ("gap_start", "gap_end", "judged_lost_at",
                         "engine_down_since", "engine_error"):
                primitive.pop(name, None)
        if version < (1, 2):
            primitive.pop("forced_down", None)
        if version < (1, 1):
            for name in ("memory_mb", "cpus", "labels", "memory_used_mb",
                         "cpu_used", "container_count"):
                primitive.pop(name, None)

    @classmethod
    def report(cls, context, host, topic, engine_info=None, capacity=None,
               **engine):
        """A heartbeat (see db.services.service_report for `engine`:
        engine_error, continuous_within)."""
        return cls.from_row(context, db.service_report(
            host, CONDUCTOR, topic, engine_info, capacity, **engine))

    @staticmethod
    def judge_lost(loss):
        """Make a conductor's silence a verdict that holds until it beats
        again (liveness.py)."""
        db.service_judge_lost(loss.host, CONDUCTOR, loss.since)

    @classmethod
    def losses(cls, context, down_time):
        """{host: liveness.Loss} of the conductors' hosts lost now."""
        return liveness.losses(cls.list(context), down_time)

    @staticmethod
    def recount(host, default_memory_mb):
        """Repair the host's usage from its containers' records."""
        return db.host_recount(host, default_memory_mb)

    @classmethod
    def list(cls, context):
        return [cls.from_row(context, row)
                for row in db.service_list(CONDUCTOR)]

    @property
    def memory_free_mb(self):
        return (self.memory_mb or 0) - self.memory_used_mb

    @property
    def cpu_free(self):
        return round((self.cpus or 0) - self.cpu_used, 2)

    @classmethod
    def update(cls, context, host, values):
        """Set disabled, disabled_reason or forced_down of host's
        conductor; the service after, or ServiceNotFound."""
        return cls.from_row(context, db.service_update(host, CONDUCTOR,
                                                       values))

    @staticmethod
    def delete(host):
        """Forget host's conductor; HostHasContainers while records are
        placed there, ServiceNotFound when there is none."""
        db.service_delete(host, CONDUCTOR)
