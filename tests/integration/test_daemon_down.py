"""A Docker Engine that goes away mid-life: the record says so, clearly."""
import os
import signal
import uuid

from harness import stack as shared
from magnum_lite import context as ml_context
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import rpc
from magnum_lite.conductor import service as ml_service
from magnum_lite.conductor import rpcapi


def test_stopped_daemon_gives_error_with_reason(tmp_path):
    shared.stack()
    with shared.private_engine() as engine:
        _stopped_daemon_gives_error_with_reason(engine, engine.up(), tmp_path)


def _stopped_daemon_gives_error_with_reason(engine, url, tmp_path):
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
            os.kill(engine.pid(), signal.SIGKILL)
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
    def reached():
        current = objects.Container.get(ctx, container.uuid)
        if done(current) and current.task_state is None:
            return current

    def how():
        current = objects.Container.get(ctx, container.uuid)
        return "the record as wanted; it stayed %s (%s)" % (
            current.status, current.status_reason)

    return shared.wait_for(reached, timeout, 0.05, how)
