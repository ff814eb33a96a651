"""The message bus: transport, serializer, and the exceptions that may cross
it as themselves."""
import oslo_messaging as messaging

from magnum_lite import context as ml_context
from magnum_lite.objects import base as objects_base

# Exceptions from these modules reach an RPC caller as their own types.
ALLOWED_EXMODS = ["magnum_lite.exception"]


class RequestContextSerializer(messaging.Serializer):
    """Carries versioned objects and the request context over RPC."""

    def __init__(self):
        self._objects = objects_base.Serializer()

    def serialize_entity(self, ctxt, entity):
        return self._objects.serialize_entity(ctxt, entity)

    def deserialize_entity(self, ctxt, entity):
        return self._objects.deserialize_entity(ctxt, entity)

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return ml_context.RequestContext.from_dict(ctxt)


def get_transport(conf):
    return messaging.get_rpc_transport(conf, allowed_remote_exmods=ALLOWED_EXMODS)


def get_client(transport, target, timeout=None):
    return messaging.get_rpc_client(transport, target, timeout=timeout,
                                    serializer=RequestContextSerializer())


def get_server(transport, target, endpoints):
    # No executor argument: without eventlet's monkey-patching,
    # oslo.messaging picks its threading executor (a bounded thread pool of
    # executor_thread_pool_size).
    return messaging.get_rpc_server(transport, target, endpoints,
                                    serializer=RequestContextSerializer())
