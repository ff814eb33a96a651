"""The message bus: transport, serializer, and the exceptions that may cross
it as themselves."""
import logging
import queue
import re
import socket
import threading
import time
from urllib import parse

import amqp.exceptions
import kombu
from kombu import transport as kombu_transport
from kombu.transport import memory as kombu_memory
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


class _Arrivals:
    """Wakes consumers of the in-process bus when a message is put."""

    def __init__(self):
        self.condition = threading.Condition()
        self.count = 0

    def put(self):
        with self.condition:
            self.count += 1
            self.condition.notify_all()

    def wait(self, seen, timeout):
        with self.condition:
            if self.count == seen:
                self.condition.wait(timeout)


_ARRIVALS = _Arrivals()


class _MemoryChannel(kombu_memory.Channel):
    def _put(self, queue, message, **kwargs):
        super()._put(queue, message, **kwargs)
        _ARRIVALS.put()


class QuietMemoryTransport(kombu_memory.Transport):
    """kombu's in-process transport, whose consumers sleep until a message
    arrives. oslo.messaging polls memory:// with a zero interval (for its
    own tests): its consumer thread then never sleeps, takes most of a
    core, and slows every other thread of the all-in-one.

    It reaches into kombu's virtual transport (Channel._put,
    Transport.cycle and _deliver, TRANSPORT_ALIASES), checked against
    kombu 5.7.0; tests/unit/test_library_reaches.py holds it."""

    Channel = _MemoryChannel
    MAX_WAIT = 0.05  # seconds; a bound, in case a wake-up is ever missed

    def drain_events(self, connection, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            seen = _ARRIVALS.count
            try:
                return self.cycle.get(self._deliver, timeout=timeout)
            except queue.Empty:
                wait = self.MAX_WAIT
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        raise socket.timeout()
                _ARRIVALS.wait(seen, wait)


def get_transport(conf):
    if conf.transport_url.startswith("kombu+memory:"):
        # kombu finds transports by name in this table: ours for "memory".
        kombu_transport.TRANSPORT_ALIASES["memory"] = (
            __name__ + ":QuietMemoryTransport")
        # The in-process bus has no host and no heartbeats; left as they
        # are, kombu and oslo.messaging warn about both at the first call.
        conf.set_default("heartbeat_timeout_threshold", 0,
                         group="oslo_messaging_rabbit")
        logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    return messaging.get_rpc_transport(conf,
                                       allowed_remote_exmods=ALLOWED_EXMODS)


def check_broker(conf, connect_timeout=10):
    """None when the broker answers and takes the control exchange and the
    conductors' topic queue as this deployment declares them; else one
    line naming the option to look at.

    oslo.messaging retries a refused declaration forever, logging a
    traceback each time, and an API whose broker is away starts anyway and
    fails each request later. RabbitMQ refuses to declare an exchange or a
    queue again with other flags or arguments (406), which is what one
    deployment meets on a broker where another, configured otherwise,
    declared the same exchange or topic first. The queue is only compared
    when it is there: nothing is made or bound that was not.
    """
    url = messaging.TransportURL.parse(conf, conf.transport_url)
    if url.transport != "rabbit":
        return None
    rabbit = conf.oslo_messaging_rabbit
    hosts = ";".join(
        "amqp://%s:%s@%s:%s/%s" % (
            parse.quote(h.username or "guest", safe=""),
            parse.quote(h.password or "guest", safe=""),
            h.hostname, h.port or 5672,
            parse.quote(url.virtual_host or "", safe=""))
        for h in url.hosts)
    # As oslo.messaging's impl_rabbit declares a topic consumer's.
    durable = rabbit.amqp_durable_queues or rabbit.rabbit_quorum_queue
    exchange = kombu.Exchange(conf.control_exchange, "topic",
                              durable=durable,
                              auto_delete=rabbit.amqp_auto_delete)
    topic = conf.conductor.topic
    queue = kombu.Queue(topic, exchange, routing_key=topic, durable=durable,
                        auto_delete=rabbit.amqp_auto_delete,
                        queue_arguments=_queue_arguments(rabbit))
    where = ", ".join("%s:%s" % (h.hostname, h.port or 5672)
                      for h in url.hosts)
    what = "exchange %r" % conf.control_exchange
    try:
        with kombu.Connection(hosts, connect_timeout=connect_timeout,
                              ssl=rabbit.ssl) as conn:
            conn.ensure_connection(max_retries=1)
            exchange(conn.channel()).declare()
            what = "queue %r" % topic
            try:
                queue(conn.channel()).queue_declare(passive=True)
            except amqp.exceptions.NotFound:
                return None
            queue(conn.channel()).queue_declare()
    except amqp.exceptions.PreconditionFailed as e:
        text = getattr(e, "reply_text", None) or str(e)
        return ("%s on the broker at %s was declared otherwise than this "
                "process's %s (%s). Every process of one deployment must be "
                "configured alike; a deployment configured otherwise needs "
                "a [DEFAULT] control_exchange and a [conductor] topic of its "
                "own." % (what, where, _option_named(rabbit, text), text))
    except (OSError, kombu.exceptions.KombuError,
            amqp.exceptions.AMQPError) as e:
        return ("[DEFAULT] transport_url: the message broker at %s does "
                "not answer: %s" % (where, str(e).splitlines()[0] or
                                    type(e).__name__))
    return None


# The declaration's argument RabbitMQ names in a 406 -> our option for it.
_OPTION_OF_ARG = {
    "durable": "amqp_durable_queues",
    "auto_delete": "amqp_auto_delete",
    "x-queue-type": "rabbit_quorum_queue",
    "x-ha-policy": "rabbit_ha_queues",
    "x-delivery-limit": "rabbit_quorum_delivery_limit",
    "x-max-in-memory-length": "rabbit_quorum_max_memory_length",
    "x-max-in-memory-bytes": "rabbit_quorum_max_memory_bytes",
}


def _option_named(rabbit, reply):
    """The option behind the argument a 406 reply names ("inequivalent arg
    'durable' for exchange ..."), with its value."""
    found = re.search(r"inequivalent arg '([^']+)'", reply)
    option = _OPTION_OF_ARG.get(found.group(1)) if found else None
    if option is None:
        return "[oslo_messaging_rabbit] options"
    return "[oslo_messaging_rabbit] %s = %s" % (option,
                                                getattr(rabbit, option))


def _queue_arguments(rabbit):
    """The arguments oslo.messaging declares a topic's queue with
    (impl_rabbit._get_queue_arguments, without a TTL for such queues)."""
    if rabbit.rabbit_quorum_queue:
        arguments = {"x-queue-type": "quorum"}
        for argument in ("x-delivery-limit", "x-max-in-memory-length",
                         "x-max-in-memory-bytes"):
            value = getattr(rabbit, _OPTION_OF_ARG[argument])
            if value:
                arguments[argument] = value
        return arguments
    return {"x-ha-policy": "all"} if rabbit.rabbit_ha_queues else {}


def get_client(transport, target, timeout=None):
    return messaging.get_rpc_client(transport, target, timeout=timeout,
                                    serializer=RequestContextSerializer())


def get_server(transport, target, endpoints):
    # No executor argument: without eventlet's monkey-patching,
    # oslo.messaging picks its threading executor (a bounded thread pool of
    # executor_thread_pool_size).
    return messaging.get_rpc_server(transport, target, endpoints,
                                    serializer=RequestContextSerializer())
