"""magnum_lite.api.wsgi:application under noauth: refused unless [api]
noauth_on_network, since the WSGI server's listening address is outside
the module's knowledge (tests/integration/test_wsgi_noauth.py serves)."""
import subprocess
import sys

from harness import stack as shared
from magnum_lite.db import api as db
from tests.functional.test_wsgi_module import config
from tests.functional.test_wsgi_module import start


def _migrated(tmp_path, api=""):
    path = config(tmp_path)
    with path.open("a") as f:
        f.write("[api]\n" + api)
    subprocess.run([sys.executable, "-m", "magnum_lite.cmd.manage",
                    "--config-file", str(path), "db", "upgrade",
                    db.SCHEMA_REVISION],
                   check=True, capture_output=True)
    return path


def _refusal(path):
    server = start(path, shared.free_port())
    _, stderr = server.communicate(timeout=60)
    assert server.returncode != 0
    return stderr.strip().splitlines()[-1]


def test_wsgi_module_refuses_noauth(tmp_path):
    assert _refusal(_migrated(tmp_path)) == (
        "magnum-lite-api: [api] auth_strategy = noauth under a WSGI "
        "server, whose listening address this module cannot see: anyone "
        "who reaches it acts as any project, admin included. Use "
        "auth_strategy = keystone, or set [api] noauth_on_network = true "
        "if that is meant.")


def test_noauth_on_network_lets_it_past_to_the_broker(tmp_path):
    # The next step asks the broker (test_wsgi_module.NO_BROKER, not
    # there): that it gets there shows the noauth check let it pass.
    refusal = _refusal(_migrated(tmp_path, "noauth_on_network = true\n"))
    assert refusal.startswith(
        "magnum-lite-api: [DEFAULT] transport_url: the message broker at "
        "127.0.0.1:1 does not answer")
