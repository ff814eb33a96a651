"""magnum_lite.api.wsgi:application served by a WSGI server other than
ours (the standard library's), on the stack's RabbitMQ with an exchange of
its own, under noauth with [api] noauth_on_network = true."""
import http.client
import json
import subprocess
import sys
import time
import uuid

from harness import stack as shared
from tests.functional.test_wsgi_module import config
from tests.functional.test_wsgi_module import start


def get(port, path, deadline):
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_wsgi_module_serves_the_api(tmp_path):
    rabbit = shared.stack()["MAGNUM_LITE_TEST_RABBIT_URL"]
    exchange = "ml-wsgi-" + uuid.uuid4().hex[:8]
    path = config(tmp_path, rabbit)
    with path.open("a") as f:
        # Under noauth the module serves only when told it may
        # (tests/functional/test_wsgi_noauth.py: otherwise it refuses).
        f.write("[DEFAULT]\ncontrol_exchange = %s\n"
                "[api]\nnoauth_on_network = true\n" % exchange)
    subprocess.run([sys.executable, "-m", "magnum_lite.cmd.manage",
                    "--config-file", str(path), "db", "upgrade"],
                   check=True, capture_output=True)
    port = shared.free_port()
    server = start(path, port)
    try:
        status, body = get(port, "/", time.monotonic() + 30)
    finally:
        server.wait(timeout=30)
        shared.forget_on_broker(rabbit, exchanges=[exchange])

    assert status == 200
    assert [v["id"] for v in body["versions"]] == ["v1"]
