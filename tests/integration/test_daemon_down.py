"""A Docker Engine that goes away mid-life: the record says so, clearly."""
import os
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

from magnum_lite import context as ml_context
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import rpc
from magnum_lite import service as ml_service
from magnum_lite.conductor import rpcapi
from tests import conftest as shared


@pytest.fixture
def own_engine():
    """A second private engine of our own, so stopping it disturbs no one."""
    state = tempfile.mkdtemp(prefix="ml-eng-", dir="/tmp")
    env = dict(os.environ, MAGNUM_LITE_STACK_DIR=state)
    stack = [str(shared.ROOT / ".ci" / "stack")]
    out = subprocess.run(["bash"] + stack + ["engine"], env=env, check=True,
                         capture_output=True, text=True).stdout
    url = out.split("MAGNUM_LITE_TEST_DOCKER_URL=")[1].split()[0]
    yield url, state
    subprocess.run(["bash"] + stack + ["down"], env=env, capture_output=True)
    subprocess.run(["rm", "-rf", state])


def test_stopped_daemon_gives_error_with_reason(own_engine, tmp_path):
    url, state = own_engine
    shared.stack()
    tag = uuid.uuid4().hex[:8]
    with shared.migrated_database("sqlite", tmp_path):
        conf = shared.make_conf(DEFAULT={"host": "down-" + tag},
                                docker={"api_url": url, "default_timeout": 5},
                                conductor={"topic": "ml-down-" + tag})
        transport = rpc.get_transport(conf)
        conductor = ml_service.Conductor(conf, transport)
        conductor.start()
        api = rpcapi.ConductorAPI(transport, conf.conductor.topic)
        ctx = ml_context.RequestContext(project_id="p", user_id="u",
                                        is_admin=True, overwrite=False)
        try:
            c = objects.Container(ctx, name="victim", project_id="p",
                                  user_id="u", image="localbusybox:latest",
                                  command=["sleep", "300"],
                                  status=lifecycle.CREATING, host=conf.host)
            c.create()
            api.create(ctx, c, run=True)
            c = _wait(ctx, c, lambda r: r.status == lifecycle.RUNNING)
            with open(os.path.join(state, "dockerd.pid")) as f:
                os.kill(int(f.read()), signal.SIGKILL)
            api.stop(ctx, c, timeout=1)
            c = _wait(ctx, c, lambda r: r.status == lifecycle.ERROR)
            assert "does not answer" in c.status_reason
            assert "Traceback" not in c.status_reason
            assert c.task_state is None
            [stop, create] = objects.ContainerAction.list_for(ctx, c.uuid)
            assert (stop.action, stop.result) == ("stop", "Error")
        finally:
            conductor.stop()
            transport.cleanup()


def _wait(ctx, container, done, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = objects.Container.get(ctx, container.uuid)
        if done(current) and current.task_state is None:
            return current
        time.sleep(0.05)
    raise AssertionError("record stayed %s (%s)" % (current.status,
                                                    current.status_reason))
