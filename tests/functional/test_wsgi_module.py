"""magnum_lite.api.wsgi:application under a WSGI server other than ours
(the standard library's), configured by MAGNUM_LITE_CONFIG_FILES."""
import http.client
import json
import os
import subprocess
import sys
import time

from tests import conftest

SERVE_ONE_REQUEST = """if True:
    import sys
    from wsgiref import simple_server
    from magnum_lite.api.wsgi import application
    server = simple_server.make_server("127.0.0.1", int(sys.argv[1]),
                                       application)
    server.handle_request()
"""


def _config(tmp_path):
    path = tmp_path / "magnum_lite.conf"
    path.write_text("[DEFAULT]\nstate_path = %s\n[database]\nconnection = "
                    "sqlite:///%s\n" % (tmp_path, tmp_path / "ml.sqlite"))
    return path


def _start(config, port):
    return subprocess.Popen(
        [sys.executable, "-c", SERVE_ONE_REQUEST, str(port)],
        env=dict(os.environ, MAGNUM_LITE_CONFIG_FILES=str(config)),
        cwd=str(conftest.ROOT), stderr=subprocess.PIPE, text=True)


def _get(port, path, deadline):
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
    config = _config(tmp_path)
    subprocess.run([sys.executable, "-m", "magnum_lite.cmd.manage",
                    "--config-file", str(config), "db", "upgrade"],
                   check=True, capture_output=True)
    port = conftest.free_port()
    server = _start(config, port)
    try:
        status, body = _get(port, "/", time.monotonic() + 30)
    finally:
        server.wait(timeout=30)

    assert status == 200
    assert [v["id"] for v in body["versions"]] == ["v1"]


def test_wsgi_module_refuses_a_database_it_cannot_use(tmp_path):
    server = _start(_config(tmp_path), conftest.free_port())
    _, stderr = server.communicate(timeout=60)

    assert server.returncode != 0
    assert ("magnum-lite-api: the database schema is not at revision"
            in stderr)
