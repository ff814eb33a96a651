"""A deployment touches only what it made: a conductor removes only the
orphans that carry its deployment's label, and one host name has one live
conductor (a second is refused at start, a restarted one never is)."""
import uuid

import docker
import pytest

from harness import stack as shared
from magnum_lite.conductor import service as ml_service
from magnum_lite.docker import driver as docker_driver
from magnum_lite import exception
from magnum_lite import rpc


def test_a_second_live_conductor_under_one_host_name_is_refused(tmp_path):
    env = shared.stack()
    tag = uuid.uuid4().hex[:8]
    with shared.migrated_database("sqlite", tmp_path) as url:

        def conductor():
            conf = shared.make_conf(
                DEFAULT={"host": "twin-" + tag},
                docker={"api_url": env["MAGNUM_LITE_TEST_DOCKER_URL"]},
                conductor={"topic": "ml-twin-" + tag},
                database={"connection": url})
            return ml_service.Conductor(conf, rpc.get_transport(conf))

        first = conductor()
        first.start()
        try:
            second = conductor()
            with pytest.raises(exception.StartupError,
                               match="another conductor is running as "
                                     "host twin-%s" % tag):
                second.start()
            second.client.close()
        finally:
            first.stop()
        # As after a crash: the predecessor's last beat is recent, and
        # no other follows it.
        restarted = conductor()
        restarted.start()
        restarted.stop()


def test_reconcile_removes_only_its_own_deployments_orphans(live):
    """Two deployments on one engine under one host name (the default
    host is the machine's name): each leaves the other's containers be."""
    def orphan(deployment):
        labels = {docker_driver.MANAGED_LABEL: str(uuid.uuid4()),
                  docker_driver.HOST_LABEL: live.conf.host}
        if deployment:
            labels[docker_driver.DEPLOYMENT_LABEL] = deployment
        return live.docker.create_container(
            live.env["MAGNUM_LITE_TEST_IMAGE"], ["sleep", "300"],
            labels=labels, host_config=live.docker.create_host_config(
                network_mode="none"))["Id"]

    ours = orphan(live.conductor.driver.deployment)
    theirs = orphan(str(uuid.uuid4()))
    unlabelled = orphan(None)  # made before deployments had a label
    try:
        live.conductor.sync.reconcile()
        left = {c["Id"] for c in live.docker.containers(all=True)}
        assert ours not in left
        assert {theirs, unlabelled} <= left
    finally:
        for docker_id in (ours, theirs, unlabelled):
            try:
                live.docker.remove_container(docker_id, force=True)
            except docker.errors.NotFound:
                pass
