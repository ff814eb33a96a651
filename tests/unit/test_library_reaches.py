"""Where magnum_lite reaches into another library's private parts, each in
one place and checked against one version: these tests fail when the
library changes under the reach, before a user meets it.

- magnum_lite/rpc.py: kombu's memory transport (Channel._put,
  Transport.cycle and _deliver, TRANSPORT_ALIASES), kombu 5.7.0;
- magnum_lite/objects/base.py: where oslo.versionedobjects keeps a field's
  value (_obj_<field>), oslo.versionedobjects 3.12.0;
- magnum_lite/conf.py: oslo.messaging's private option lists
  (_metrics, _tracing, transport._transport_opts), oslo.messaging 18.3.1.
"""
import datetime

import kombu
from kombu import transport as kombu_transport
from oslo_messaging import transport as messaging_transport

from harness import stack as shared
from magnum_lite import conf as ml_conf
from magnum_lite import context as ml_context
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import rpc
def test_the_quiet_memory_transport_carries_a_message():
    conf = shared.make_conf(DEFAULT={"transport_url": "kombu+memory:////"})
    rpc.get_transport(conf).cleanup()  # installs ours under "memory"
    assert kombu_transport.TRANSPORT_ALIASES["memory"].endswith(
        ":QuietMemoryTransport")
    with kombu.Connection("memory://") as connection:
        assert type(connection.transport) is rpc.QuietMemoryTransport
        got = []
        queue = kombu.Queue("reach-" + str(id(got)), kombu.Exchange("reach"),
                            routing_key="reach")
        with connection.Consumer(queue, callbacks=[
                lambda body, message: (got.append(body), message.ack())]):
            connection.Producer().publish({"n": 1}, exchange=queue.exchange,
                                          routing_key="reach",
                                          declare=[queue])
            # drain_events uses the transport's cycle and _deliver, and
            # wakes on the channel's _put.
            connection.drain_events(timeout=5)
    assert got == [{"n": 1}]


def test_an_object_filled_from_a_row_reads_as_if_set():
    ctx = ml_context.RequestContext(project_id="p", user_id="u",
                                    overwrite=False)
    row = {"uuid": "9b1c3c1e-8f5c-4a0e-9a51-0c1e2f3a4b5c", "name": "web",
           "status": lifecycle.RUNNING, "memory": 64,
           "created_at": datetime.datetime(2026, 1, 1)}

    class Row(tuple):
        _fields = tuple(row)

    made = objects.Container.from_row(ctx, Row(row.values()))
    assert {name: getattr(made, name) for name in row} == row
    assert all(made.obj_attr_is_set(name) for name in row)
    assert not made.obj_what_changed()
    assert made.values() == row


def test_oslo_messagings_private_option_lists_are_where_conf_looks():
    conf = shared.make_conf()
    assert conf.oslo_messaging_metrics.metrics_enabled is not None
    assert conf.oslo_messaging_tracing is not None
    ml_conf.set_defaults()
    [url] = [o for o in messaging_transport._transport_opts
             if o.name == "transport_url"]
    assert url.default == ml_conf.DEFAULT_TRANSPORT_URL
