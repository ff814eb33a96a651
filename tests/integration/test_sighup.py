"""A running process re-reads its mutable options on SIGHUP."""
import os
import signal
import subprocess
import sys
import uuid

from harness import stack as shared


def test_sighup_rereads_mutable_options(tmp_path):
    """debug is mutable: SIGHUP turns it on without a restart."""
    env = shared.stack()
    # A host of its own: the engine is shared with other tests.
    host = "sighup-" + uuid.uuid4().hex[:8]
    log = tmp_path / "ml.log"
    conf = tmp_path / "ml.conf"

    def write(debug):
        conf.write_text(
            "[DEFAULT]\nstate_path = %s\nlog_file = %s\ndebug = %s\n"
            "host = %s\n[api]\nport = 0\n[docker]\napi_url = %s\n"
            "[registries]\nallowed_hosts = %s\n" % (
                tmp_path, log, debug, host,
                env["MAGNUM_LITE_TEST_DOCKER_URL"],
                ",".join(shared.allowed_registries())))

    write(False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "magnum_lite.cmd.all", "--config-file",
         str(conf)], cwd=shared.ROOT, stderr=subprocess.PIPE)
    try:
        _wait_for_line(log, "API listening")
        assert "DEBUG" not in log.read_text()
        write(True)
        proc.send_signal(signal.SIGHUP)
        _wait_for_line(log, "DEBUG")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_for_line(path, text, timeout=30):
    def how():
        return "%r in %s:\n%s" % (
            text, path, path.read_text() if path.exists() else "(no file)")

    shared.wait_for(lambda: os.path.exists(path) and text in path.read_text(),
                    timeout, 0.1, how)
