"""magnum_lite.api.wsgi:application under a WSGI server other than ours
(the standard library's), configured by MAGNUM_LITE_CONFIG_FILES: what it
refuses before it serves (tests/integration/test_wsgi_module.py serves)."""
import os
import subprocess
import sys

from harness import stack as shared
SERVE_ONE_REQUEST = """if True:
    import sys
    from wsgiref import simple_server
    from magnum_lite.api.wsgi import application
    server = simple_server.make_server("127.0.0.1", int(sys.argv[1]),
                                       application)
    server.handle_request()
"""


# Never reached: each refusal comes before the broker is asked.
NO_BROKER = "rabbit://guest:guest@127.0.0.1:1/"


def config(tmp_path, transport_url=NO_BROKER):
    path = tmp_path / "magnum_lite.conf"
    path.write_text("[DEFAULT]\nstate_path = %s\ntransport_url = %s\n"
                    "[database]\nconnection = sqlite:///%s\n" % (
                        tmp_path, transport_url, tmp_path / "ml.sqlite"))
    return path


def start(config, port):
    return subprocess.Popen(
        [sys.executable, "-c", SERVE_ONE_REQUEST, str(port)],
        env=dict(os.environ, MAGNUM_LITE_CONFIG_FILES=str(config)),
        cwd=str(shared.ROOT), stderr=subprocess.PIPE, text=True)


def test_wsgi_module_refuses_a_database_it_cannot_use(tmp_path):
    server = start(config(tmp_path), shared.free_port())
    _, stderr = server.communicate(timeout=60)

    assert server.returncode != 0
    assert ("magnum-lite-api: the database schema is not at revision"
            in stderr)


def test_wsgi_module_refuses_the_in_process_bus(tmp_path):
    # The in-process bus reaches no conductor outside this process: every
    # create would wait for one that cannot hear it.
    server = start(config(tmp_path, "kombu+memory:////"),
                   shared.free_port())
    _, stderr = server.communicate(timeout=60)

    assert server.returncode != 0
    assert stderr.strip().splitlines() == [
        "magnum-lite-api: [DEFAULT] transport_url is the in-process bus "
        "(kombu+memory:////), which reaches no other process: run "
        "magnum-lite-all for the API and a conductor in one process, or "
        "give every process the same rabbit:// URL"]
