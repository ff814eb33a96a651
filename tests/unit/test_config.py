"""Operators' side: the generated sample is current, and a wrong value stops
a process at start with one line naming the option."""
import pathlib
import subprocess
import sys

import pytest

from harness import stack as shared
from magnum_lite.db import api as db
from magnum_lite import service

ROOT = shared.ROOT
SAMPLE = ROOT / "etc" / "magnum_lite" / "magnum_lite.conf.sample"


def test_config_sample_is_current(tmp_path):
    out = tmp_path / "sample.conf"
    generator = pathlib.Path(sys.executable).parent / "oslo-config-generator"
    subprocess.run([str(generator), "--config-file",
                    str(ROOT / "etc/magnum_lite/magnum-lite-config-generator"
                        ".conf"), "--output-file", str(out)],
                   check=True, cwd=ROOT, capture_output=True)
    assert out.read_text() == SAMPLE.read_text(), (
        "etc/magnum_lite/magnum_lite.conf.sample is out of date: "
        "run `tox -e genconfig`")


def test_defaults_are_the_all_in_one():
    conf = shared.make_conf()
    assert conf.transport_url == "kombu+memory:////"
    assert conf.api.port == 9517
    assert conf.docker.image_pull_policy == "ifnotpresent"
    assert conf.docker.docker_remote_api_version == "auto"
    assert conf.docker.api_url == "unix:///var/run/docker.sock"


def _start(tmp_path, body, binary="conductor"):
    conf = tmp_path / "bad.conf"
    conf.write_text("[DEFAULT]\nstate_path = %s\n%s" % (tmp_path, body))
    return subprocess.run(
        [sys.executable, "-m", "magnum_lite.cmd." + binary, "--config-file",
         str(conf)], capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("body, expected", [
    ("[docker]\nimage_pull_policy = sometimes\n",
     "[docker] image_pull_policy"),
    ("[docker]\nca_file = /nonexistent/ca.pem\n", "[docker] ca_file"),
    ("[database]\nconnection = postgresql+psycopg://nobody@127.0.0.1:1/x\n",
     "[database] connection"),
    ("[api]\nport = 99999\n", "[api] port"),
])
def test_bad_value_stops_with_one_line(tmp_path, body, expected):
    run = _start(tmp_path, body)
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert expected in lines[-1], run.stderr
    assert "Traceback" not in run.stderr


def test_no_docker_engine_is_one_clear_line(tmp_path):
    run = _start(tmp_path, "[docker]\napi_url = unix://%s/none.sock\n" %
                 tmp_path, binary="all")
    assert run.returncode != 0
    assert "[docker] api_url: no Docker Engine answers" in run.stderr
    assert "Traceback" not in run.stderr


def test_policy_sample_is_current(tmp_path):
    out = tmp_path / "policy.yaml"
    generator = (pathlib.Path(sys.executable).parent /
                 "oslopolicy-sample-generator")
    subprocess.run([str(generator), "--config-file",
                    str(ROOT / "etc/magnum_lite/magnum-lite-policy-generator"
                        ".conf"), "--output-file", str(out)],
                   check=True, cwd=ROOT, capture_output=True)
    committed = ROOT / "etc" / "magnum_lite" / "policy.yaml.sample"
    assert out.read_text() == committed.read_text(), (
        "etc/magnum_lite/policy.yaml.sample is out of date: "
        "run `tox -e genpolicy`")


@pytest.mark.parametrize("binary", ["api", "all"])
def test_noauth_on_a_network_address_is_refused(tmp_path, binary):
    """Without Keystone, anyone who reaches the port is any project: the
    API only serves so on loopback, unless the operator says otherwise."""
    run = _start(tmp_path, "[api]\nhost = 0.0.0.0\n", binary=binary)
    assert run.returncode != 0
    assert run.stderr.strip().splitlines() == [
        "magnum-lite-%s: [api] auth_strategy = noauth on 0.0.0.0, which is "
        "not a loopback address: anyone who reaches it acts as any project, "
        "admin included. Use auth_strategy = keystone, listen on 127.0.0.1, "
        "or set [api] noauth_on_network = true if that is meant." % binary]


def test_a_bad_choice_names_the_option_the_value_and_the_choices(tmp_path):
    run = _start(tmp_path, "[docker]\nimage_pull_policy = sometimes\n")
    assert run.stderr.strip().splitlines() == [
        "magnum-lite-conductor: [docker] image_pull_policy: Value for "
        "option image_pull_policy in %s is not valid: Valid values are "
        "[always, ifnotpresent, never], but found 'sometimes'"
        % (tmp_path / "bad.conf")]


def test_a_misspelled_option_or_section_is_warned_about(tmp_path):
    conf = tmp_path / "typo.conf"
    conf.write_text("[DEFAULT]\nhots = x\n[api]\nprot = 1\nport = 1\n"
                    "[dockr]\napi_url = x\n[keystone_authtoken]\nfoo = 1\n")
    loaded = service.load_config(["--config-file", str(conf)])
    assert service.unknown_options(loaded) == [
        "[DEFAULT] hots", "[api] prot", "[dockr]"]


@pytest.mark.parametrize("binary", ["api", "conductor"])
def test_one_side_of_the_in_process_bus_alone_is_refused(tmp_path, binary):
    run = _start(tmp_path, "", binary=binary)
    assert run.stderr.strip().splitlines() == [
        "magnum-lite-%s: [DEFAULT] transport_url is the in-process bus "
        "(kombu+memory:////), which reaches no other process: run "
        "magnum-lite-all for the API and a conductor in one process, or "
        "give every process the same rabbit:// URL" % binary]


def test_a_missing_database_driver_names_the_extra():
    assert db.connection_error(ModuleNotFoundError(
        "No module named 'psycopg'", name="psycopg")) == (
        "the driver psycopg is not installed: pip install "
        "'magnum_lite[postgresql]'")
