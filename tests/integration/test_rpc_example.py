"""The documented RPC client runs against a live conductor."""
import subprocess
import sys

from harness import stack as shared
from magnum_lite import lifecycle


def test_example_client_talks_to_live_conductor(live, tmp_path):
    if live.conf.transport_url.startswith("kombu+memory"):
        return  # the in-process bus has no other processes: nothing to show
    c = live.new_container(command=["sh", "-c", "echo started; sleep 300"])
    live.api.create(live.context, c, run=True)
    live.wait(c, lifecycle.RUNNING)
    conf = tmp_path / "client.conf"
    conf.write_text("[DEFAULT]\ntransport_url = %s\ncontrol_exchange = %s\n"
                    "[conductor]\ntopic = %s\n"
                    "[database]\nconnection = %s\n" % (
                        live.conf.transport_url, live.conf.control_exchange,
                        live.conf.conductor.topic,
                        live.conf.database.connection))
    run = subprocess.run([sys.executable, "docs/examples/rpc_client.py",
                          "--config-file", str(conf), c.name],
                         cwd=shared.ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert "status: Running on %s" % live.conf.host in run.stdout
    assert "exec exit code: 0" in run.stdout
    assert "exec output: hello" in run.stdout
    assert "logs: started" in run.stdout
