"""A live conductor on the real stack: private dockerd, a real message bus
(RabbitMQ or the in-process one) and a real database (SQLite or
PostgreSQL)."""
import dataclasses
import uuid

import docker
import pytest

from harness import stack as shared
from magnum_lite.conductor import rpcapi
from magnum_lite import context as ml_context
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import rpc
from magnum_lite.conductor import service as ml_service

# Each pairs a bus with a database so both of each are covered.
STACKS = {
    "memory-sqlite": ("kombu+memory:////", "sqlite"),
    "rabbit-postgresql": ("rabbit", "postgresql"),
}


@dataclasses.dataclass
class LiveConductor:
    conf: object
    api: rpcapi.ConductorAPI
    conductor: ml_service.Conductor
    docker: docker.APIClient
    env: dict

    @property
    def context(self):
        """An admin's context with a request id of its own, as each API
        request has: the conductor takes a request id and action it has
        carried out before for a redelivery."""
        return ml_context.RequestContext(project_id="p1", user_id="u1",
                                         is_admin=True, overwrite=False)

    def new_container(self, **fields):
        """A record as the API writes it: status Creating, on our host."""
        values = dict(name="c-" + uuid.uuid4().hex[:8], project_id="p1",
                      user_id="u1", image=self.env["MAGNUM_LITE_TEST_IMAGE"],
                      command=["sleep", "300"], status=lifecycle.CREATING,
                      host=self.conf.host)
        values.update(fields)
        container = objects.Container(self.context, **values)
        container.create()
        return container

    def wait(self, container, until=None, timeout=30):
        """Re-read the record until its status leaves the transient ones
        and no task is in flight (or reaches `until`)."""
        def settled():
            current = objects.Container.get(self.context, container.uuid)
            if current.task_state is not None:
                return None
            if until is None:
                done = current.status not in lifecycle.TRANSIENT
            else:
                done = current.status == until
            return current if done else None

        def still():
            current = objects.Container.get(self.context, container.uuid)
            return "container %s %s, no task; it is %s/%s (reason: %s)" % (
                current.uuid, until or "settled", current.status,
                current.task_state, current.status_reason)

        return shared.wait_for(settled, timeout, 0.02, still)

    def gone(self, uuid_, timeout=30):
        def absent():
            try:
                objects.Container.get(self.context, uuid_)
            except exception.ContainerNotFound:
                return True
            return False

        try:
            return shared.wait_for(absent, timeout, 0.02)
        except AssertionError:
            return False

    def inspect(self, container):
        return self.docker.inspect_container(container.container_id)

    def docker_containers(self, uuid_):
        return self.docker.containers(
            all=True, filters={"label": "magnum_lite.uuid=%s" % uuid_})


@pytest.fixture(scope="module", params=sorted(STACKS))
def live(request, tmp_path_factory):
    env = shared.stack()
    bus, kind = STACKS[request.param]
    if bus == "rabbit":
        bus = env["MAGNUM_LITE_TEST_RABBIT_URL"]
    tag = uuid.uuid4().hex[:8]
    with shared.migrated_database(kind, tmp_path_factory.mktemp("db")) as url:
        conf = shared.make_conf(
            # A topic and exchange of its own: on the shared broker, a test
            # never meets what another deployment declared.
            DEFAULT={"host": "test-host-" + tag, "transport_url": bus,
                     "control_exchange": "ml-test-" + tag},
            docker={"api_url": env["MAGNUM_LITE_TEST_DOCKER_URL"]},
            conductor={"topic": "ml-test-" + tag},
            database={"connection": url},
            registries={"allowed_hosts": shared.allowed_registries()})
        transport = rpc.get_transport(conf)
        conductor = ml_service.Conductor(conf, transport)
        conductor.start()
        client = docker.APIClient(base_url=env["MAGNUM_LITE_TEST_DOCKER_URL"],
                                  version="auto")
        ctx = ml_context.RequestContext(project_id="p1", user_id="u1",
                                        is_admin=True, overwrite=False)
        yield LiveConductor(conf, rpcapi.ConductorAPI(
            transport, conf.conductor.topic, timeout=30),
            conductor, client, env)
        conductor.stop()
        transport.cleanup()
        if bus.startswith("rabbit"):
            topic = conf.conductor.topic
            shared.forget_on_broker(
                bus, exchanges=(conf.control_exchange, topic + "_fanout"),
                queues=(topic, "%s.%s" % (topic, conf.host)))
        # Leave the daemon as we found it: remove what this host made.
        for row in objects.ContainerList.on_host(ctx, conf.host):
            for found in client.containers(
                    all=True,
                    filters={"label": "magnum_lite.uuid=%s" % row.uuid}):
                client.remove_container(found["Id"], force=True)
        client.close()
