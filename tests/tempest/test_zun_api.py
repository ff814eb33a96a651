"""Zun's own API tests judge the API: PyPI tempest with zun-tempest-plugin,
unmodified, against the all-in-one behind the stack's Keystone (found
through the catalog as service type `container-tempest`, an entry of its
own, so that these run beside the other tests), at Zun's gate
microversion (1.40) and at each test class's own minimum.

Tests that cannot pass without Neutron, Cinder or Glance are excluded by
their full names, each with its reason, in excluded.txt beside this file;
every other test must pass. tempest's dynamic credentials make a project
with a member and an admin user per test class in that Keystone.
"""
import os
import re
import subprocess

import pytest

from harness import stack as shared
from tests.integration import keystone_stack

# Minutes of waiting on containers: .ci/test runs them beside the rest.
pytestmark = pytest.mark.slow

EXCLUDED = shared.ROOT / "tests" / "tempest" / "excluded.txt"
UNSKIP = shared.ROOT / "tests" / "tempest" / "unskip"
SETTINGS = {"gate": "1.40", "class-minimum": None}


def _tempest_venv():
    if "MAGNUM_LITE_TEMPEST_VENV" not in os.environ:
        run = shared.up("tempest")
        if run.returncode:
            pytest.fail("tempest did not install (.ci/tempest up): " +
                        run.stderr.strip(), pytrace=False)
    return os.environ["MAGNUM_LITE_TEMPEST_VENV"]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    venv = _tempest_venv()
    ks = keystone_stack.keystone()
    state = tmp_path_factory.mktemp("tempest-aio")
    # On a catalog entry of its own (service type container-tempest), so
    # that it runs beside the tests that use the one of type container.
    port = int(os.environ["MAGNUM_LITE_TEST_KEYSTONE_TEMPEST_API_PORT"])
    with keystone_stack.all_in_one(ks, state, port=port) as aio:
        yield venv, ks, aio


def _config(ks, aio, min_microversion):
    env = shared.stack()
    return f"""\
[DEFAULT]
log_file = tempest.log

[auth]
use_dynamic_credentials = True
create_isolated_networks = False
admin_username = admin
admin_password = {ks.admin_password}
admin_project_name = admin
admin_domain_name = Default

[identity]
uri_v3 = {ks.url}
auth_version = v3

[identity-feature-enabled]
api_v2 = False

[service_available]
zun = True
nova = False
neutron = False
glance = False
cinder = False
swift = False
horizon = False

[container_service]
catalog_type = container-tempest
{"min_microversion = " + min_microversion if min_microversion else ""}
max_microversion = latest
cirros_image = {env["MAGNUM_LITE_TEST_SLEEPER_IMAGE"]}
ubuntu_image = {env["MAGNUM_LITE_TEST_IMAGE"]}
nginx_image = {env["MAGNUM_LITE_TEST_SLEEPER_IMAGE"]}
wait_timeout = 60

[docker]
api_url = {env["MAGNUM_LITE_TEST_DOCKER_URL"]}
"""


@pytest.fixture(scope="module")
def runs(deployment, tmp_path_factory):
    """Both settings' tempest runs, started at once against the one
    all-in-one (each waits on containers most of its time): {setting:
    (process, output path)}. Each test waits for its own."""
    venv, ks, aio = deployment
    bin_ = os.path.join(venv, "bin")
    # The workers import unskip/sitecustomize.py, which lifts the plugin's
    # skip of its capsule tests (Zun's gate skips them: bug 1941982).
    env = dict(os.environ, PATH=bin_ + os.pathsep + os.environ["PATH"],
               PYTHONPATH=str(UNSKIP))
    started = {}
    try:
        for setting in sorted(SETTINGS):
            tmp = tmp_path_factory.mktemp("tempest-" + setting)
            workspace = tmp / "workspace"
            subprocess.run([os.path.join(bin_, "tempest"), "init",
                            "--workspace-path", str(tmp / "workspaces.yaml"),
                            str(workspace)], check=True, capture_output=True)
            (workspace / "etc" / "tempest.conf").write_text(
                _config(ks, aio, SETTINGS[setting]))
            output = tmp / "output.txt"
            with open(output, "w") as out:
                started[setting] = (subprocess.Popen(
                    [os.path.join(bin_, "tempest"), "run", "--serial",
                     "--regex", r"^zun_tempest_plugin\.tests\.tempest\.api",
                     "--exclude-list", str(EXCLUDED)],
                    cwd=workspace, stdout=out, stderr=subprocess.STDOUT,
                    text=True, env=env), output)
        yield started
    finally:
        for process, _ in started.values():
            if process.poll() is None:
                process.kill()
            process.wait()


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_zun_tempest_api_tests_pass(runs, setting):
    process, output = runs[setting]
    returncode = process.wait()
    stdout = output.read_text()
    totals = dict(re.findall(r"- (Passed|Skipped|Failed|Expected Fail|"
                             r"Unexpected Success): (\d+)", stdout))
    summary = "%s: %s" % (setting, ", ".join(
        "%s %s" % (n, k.lower()) for k, n in sorted(totals.items())))
    out = shared.ROOT / "build" / ("tempest-%s.txt" % setting)
    out.parent.mkdir(exist_ok=True)
    out.write_text(summary + "\n\n" + stdout)
    failed = re.findall(r"\{\d+\} (\S+) \[[\d.]+s\] \.\.\. FAILED",
                        stdout)
    assert returncode == 0 and totals.get("Passed"), (
        "%s; failed: %s (whole output in %s)" % (summary, failed, out))
