"""A process that cannot use the broker says why in one line, at start.

On the machine's shared RabbitMQ, an exchange or a topic queue another
deployment declared durable refuses our non-durable declaration (406) and
oslo.messaging would retry it forever; a broker that does not answer would
let the API start and fail every request later.
"""
import subprocess
import sys
import uuid

import amqp.exceptions
import kombu
import pytest

from harness import stack as shared
from magnum_lite import rpc

BINARIES = ["api", "conductor"]


@pytest.fixture
def database(tmp_path):
    url = "sqlite:///%s" % (tmp_path / "ml.sqlite")
    conf = tmp_path / "manage.conf"
    conf.write_text("[database]\nconnection = %s\n" % url)
    subprocess.run([sys.executable, "-m", "magnum_lite.cmd.manage",
                    "--config-file", str(conf), "db", "upgrade"],
                   check=True, capture_output=True, cwd=shared.ROOT)
    return url


def _start(binary, tmp_path, database, transport_url, exchange,
           topic="magnum-lite-conductor"):
    conf = tmp_path / ("%s.conf" % binary)
    conf.write_text(
        "[DEFAULT]\ntransport_url = %s\ncontrol_exchange = %s\n"
        "host = broker-%s\n[api]\nport = 0\n[database]\nconnection = %s\n"
        "[docker]\napi_url = unix:///nonexistent.sock\n"
        "[conductor]\ntopic = %s\n" % (
            transport_url, exchange, uuid.uuid4().hex[:8], database, topic))
    return subprocess.run(
        [sys.executable, "-m", "magnum_lite.cmd." + binary,
         "--config-file", str(conf)], capture_output=True, text=True,
        cwd=shared.ROOT, timeout=120)


@pytest.mark.parametrize("binary", BINARIES)
def test_an_exchange_declared_durable_elsewhere_stops_us_in_one_line(
        binary, tmp_path, database):
    rabbit = shared.stack()["MAGNUM_LITE_TEST_RABBIT_URL"]
    exchange = "ml-test-durable-" + uuid.uuid4().hex[:8]
    with kombu.Connection(rabbit.replace("rabbit://", "amqp://", 1)) as c:
        kombu.Exchange(exchange, "topic", durable=True)(c.channel()).declare()
    try:
        run = _start(binary, tmp_path, database, rabbit, exchange)
    finally:
        shared.forget_on_broker(rabbit, exchanges=[exchange])
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("magnum-lite-%s: " % binary)
    assert "[oslo_messaging_rabbit] amqp_durable_queues = False" in lines[0]
    assert "inequivalent arg 'durable'" in lines[0]


@pytest.mark.parametrize("binary", BINARIES)
def test_a_broker_that_does_not_answer_stops_us_in_one_line(
        binary, tmp_path, database):
    port = shared.free_port()  # nobody listens there
    run = _start(binary, tmp_path, database,
                 "rabbit://guest:guest@127.0.0.1:%d/" % port, "ml-absent")
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert lines == ["magnum-lite-%s: [DEFAULT] transport_url: the message "
                     "broker at 127.0.0.1:%d does not answer: [Errno 111] "
                     "Connection refused" % (binary, port)], run.stderr


def _amqp(rabbit):
    return kombu.Connection(rabbit.replace("rabbit://", "amqp://", 1))


@pytest.mark.parametrize("binary", BINARIES)
def test_a_topic_queue_declared_durable_elsewhere_stops_us_in_one_line(
        binary, tmp_path, database):
    # Exchange of our own, topic not: oslo.messaging's conductor would
    # declare the queue <topic> and be refused (406) forever.
    rabbit = shared.stack()["MAGNUM_LITE_TEST_RABBIT_URL"]
    tag = uuid.uuid4().hex[:8]
    exchange, topic = "ml-test-" + tag, "ml-test-durable-topic-" + tag
    with _amqp(rabbit) as c:
        kombu.Queue(topic, durable=True)(c.channel()).queue_declare()
    try:
        run = _start(binary, tmp_path, database, rabbit, exchange, topic)
    finally:
        shared.forget_on_broker(rabbit, exchanges=[exchange],
                                queues=[topic])
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(
        "magnum-lite-%s: queue %r on the broker at " % (binary, topic))
    assert ("declared otherwise than this process's "
            "[oslo_messaging_rabbit] amqp_durable_queues = False") in lines[0]
    assert "inequivalent arg 'durable'" in lines[0]
    assert lines[0].endswith("needs a [DEFAULT] control_exchange and a "
                             "[conductor] topic of its own.")


def test_the_check_makes_no_queue_and_passes_an_equal_one():
    rabbit = shared.stack()["MAGNUM_LITE_TEST_RABBIT_URL"]
    tag = uuid.uuid4().hex[:8]
    conf = shared.make_conf(DEFAULT={"transport_url": rabbit,
                                     "control_exchange": "ml-test-" + tag},
                            conductor={"topic": "ml-test-topic-" + tag})
    topic = conf.conductor.topic
    try:
        assert rpc.check_broker(conf) is None
        with _amqp(rabbit) as c, pytest.raises(amqp.exceptions.NotFound):
            kombu.Queue(topic)(c.channel()).queue_declare(passive=True)
        # As the conductor declares it by default.
        with _amqp(rabbit) as c:
            kombu.Queue(topic, durable=False, auto_delete=False)(
                c.channel()).queue_declare()
        assert rpc.check_broker(conf) is None
    finally:
        shared.forget_on_broker(rabbit, exchanges=[conf.control_exchange],
                                queues=[topic])
