"""Service: a conductor and the Docker host it owns, with its heartbeat."""
import datetime

from oslo_versionedobjects import fields

from magnum_lite.db import services as db
from magnum_lite.objects import base

CONDUCTOR = "magnum-lite-conductor"


@base.ObjectRegistry.register
class Service(base.MagnumLiteObject):
    # Version 1.0: Initial version
    # Version 1.1: capacity (memory_mb, cpus, labels) and what is claimed
    #              of it (memory_used_mb, cpu_used, container_count)
    # Version 1.2: forced_down
    VERSION = "1.2"

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
        "created_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "updated_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
    }

    @classmethod
    def report(cls, context, host, topic, engine_info=None, capacity=None):
        return cls.from_row(context, db.service_report(
            host, CONDUCTOR, topic, engine_info, capacity))

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

    def is_up(self, down_time):
        if self.forced_down:  # the operator knows better
            return False
        last = self.updated_at or self.created_at
        now = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None)
        return (now - last).total_seconds() <= down_time
