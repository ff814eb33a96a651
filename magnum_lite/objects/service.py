"""Service: a conductor and the Docker host it owns, with its heartbeat."""
import datetime

from oslo_versionedobjects import fields

from magnum_lite.db import api as db
from magnum_lite.objects import base

CONDUCTOR = "magnum-lite-conductor"


@base.ObjectRegistry.register
class Service(base.MagnumLiteObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "host": fields.StringField(),
        "binary": fields.StringField(),
        "topic": fields.StringField(),
        "disabled": fields.BooleanField(),
        "disabled_reason": fields.StringField(nullable=True),
        "report_count": fields.IntegerField(),
        "engine_info": base.JsonField(nullable=True),
        "created_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
        "updated_at": fields.DateTimeField(nullable=True, tzinfo_aware=False),
    }

    @classmethod
    def report(cls, context, host, topic, engine_info=None):
        return cls.from_row(context, db.service_report(
            host, CONDUCTOR, topic, engine_info))

    @classmethod
    def list(cls, context):
        return [cls.from_row(context, row)
                for row in db.service_list(CONDUCTOR)]

    def is_up(self, down_time):
        last = self.updated_at or self.created_at
        now = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None)
        return (now - last).total_seconds() <= down_time
