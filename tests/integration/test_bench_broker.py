"""The benchmarks' in-process conductor (bench/common.py), run on the
shared RabbitMQ, keeps to a control exchange and topic of its own and
removes them when it stops."""
import amqp.exceptions
import kombu

from bench import common
from harness import stack as shared


def _declared(rabbit, exchanges, queues):
    """Which of these are on the broker (passive declarations)."""
    found = []
    with kombu.Connection(rabbit.replace("rabbit://", "amqp://", 1)) as c:
        for name in exchanges:
            try:
                c.channel().exchange_declare(name, "topic", passive=True)
                found.append(name)
            except amqp.exceptions.NotFound:
                pass
        for name in queues:
            try:
                c.channel().queue_declare(name, passive=True)
                found.append(name)
            except amqp.exceptions.NotFound:
                pass
    return found


def test_the_bench_conductor_leaves_nothing_on_the_broker(tmp_path):
    env = shared.stack()
    rabbit = env["MAGNUM_LITE_TEST_RABBIT_URL"]
    live = common.live_conductor(env["MAGNUM_LITE_TEST_DOCKER_URL"], rabbit,
                                 "sqlite:///%s" % (tmp_path / "b.sqlite"))
    conf = live.conf
    topic = conf.conductor.topic
    exchanges = [conf.control_exchange, topic + "_fanout"]
    queues = [topic, "%s.%s" % (topic, conf.host)]
    try:
        assert conf.control_exchange not in ("magnum_lite", "openstack")
        shared.wait_for(
            lambda: _declared(rabbit, exchanges, queues) == exchanges +
            queues, 30, 0.1, "the bench conductor's exchanges and queues")
    finally:
        live.stop()
    assert _declared(rabbit, exchanges, queues) == []
