"""One host name, one live conductor: a second one started under the same
name is refused at start, a conductor restarted after its predecessor
stopped never is (issue 26)."""
import uuid

import pytest

from magnum_lite import rpc
from magnum_lite import service as ml_service
from tests import conftest as shared


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
            with pytest.raises(ml_service.StartupError,
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
