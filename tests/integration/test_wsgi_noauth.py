"""magnum_lite.api.wsgi:application with noauth and [api]
noauth_on_network = true serves (tests/functional/test_wsgi_noauth.py:
without the option it refuses)."""
import subprocess
import sys
import time
import uuid

from harness import stack as shared
from magnum_lite.db import api as db
from tests.functional.test_wsgi_module import config
from tests.functional.test_wsgi_module import start
from tests.integration.test_wsgi_module import get


def test_noauth_on_network_lets_the_wsgi_module_serve(tmp_path):
    rabbit = shared.stack()["MAGNUM_LITE_TEST_RABBIT_URL"]
    exchange = "ml-wsgi-" + uuid.uuid4().hex[:8]
    path = config(tmp_path, rabbit)
    with path.open("a") as f:
        f.write("[DEFAULT]\ncontrol_exchange = %s\n"
                "[api]\nnoauth_on_network = true\n" % exchange)
    subprocess.run([sys.executable, "-m", "magnum_lite.cmd.manage",
                    "--config-file", str(path), "db", "upgrade",
                    db.SCHEMA_REVISION], check=True, capture_output=True)
    port = shared.free_port()
    server = start(path, port)
    try:
        status, body = get(port, "/", time.monotonic() + 30)
    finally:
        server.wait(timeout=30)
        shared.forget_on_broker(rabbit, exchanges=[exchange])

    assert status == 200, server.stderr.read()
    assert [v["id"] for v in body["versions"]] == ["v1"]
