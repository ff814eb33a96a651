"""The base of our versioned objects, their registry and RPC serializer."""
from oslo_versionedobjects import base
from oslo_versionedobjects import fields

from magnum_lite import lifecycle


class ObjectRegistry(base.VersionedObjectRegistry):
    pass


class MagnumLiteObject(base.VersionedObject):
    OBJ_PROJECT_NAMESPACE = "magnum_lite"
    OBJ_SERIAL_NAMESPACE = "magnum_lite_object"

    @classmethod
    def _from_db_object(cls, context, obj, row):
        """Fill obj from a database row; rows are trusted, so values are
        stored without the per-field coercion a setattr would run."""
        for name in obj.fields:
            setattr(obj, "_obj_" + name, getattr(row, name))
        obj._context = context
        obj.obj_reset_changes()
        return obj

    @classmethod
    def from_row(cls, context, row):
        return cls._from_db_object(context, cls(), row)


class Serializer(base.VersionedObjectSerializer):
    OBJ_BASE_CLASS = MagnumLiteObject


class ContainerStatus(fields.Enum):
    def __init__(self, **kwargs):
        super().__init__(valid_values=lifecycle.STATUSES, **kwargs)


class ContainerStatusField(fields.BaseEnumField):
    AUTO_TYPE = ContainerStatus()


class Json(fields.FieldType):
    """A JSON-compatible dict, carried as it is."""

    def coerce(self, obj, attr, value):
        if not isinstance(value, dict):
            raise ValueError("%s must be a dict, not %r" % (attr, value))
        return value


class JsonField(fields.AutoTypedField):
    AUTO_TYPE = Json()


def project_scope(context):
    """The project a lookup is limited to: none for an admin."""
    return None if context.is_admin else context.project_id
