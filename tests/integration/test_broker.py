"""A process that cannot use the broker says why in one line, at start.

On the machine's shared RabbitMQ, an exchange another deployment declared
durable refuses our non-durable declaration (406) and oslo.messaging would
retry it forever; a broker that does not answer would let the API start
and fail every request later.
"""
import subprocess
import sys
import uuid

import kombu
import pytest

from harness import stack as shared

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


def _start(binary, tmp_path, database, transport_url, exchange):
    conf = tmp_path / ("%s.conf" % binary)
    conf.write_text(
        "[DEFAULT]\ntransport_url = %s\ncontrol_exchange = %s\n"
        "host = broker-%s\n[api]\nport = 0\n[database]\nconnection = %s\n"
        "[docker]\napi_url = unix:///nonexistent.sock\n" % (
            transport_url, exchange, uuid.uuid4().hex[:8], database))
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
