"""Interactive sessions as a person has them: the unmodified `openstack
appcontainer` CLI under a real pseudo-terminal (pexpect), against a running
all-in-one on the real dockerd, through its websocket proxy."""
import json
import os

import pexpect

from tests.integration.test_clients_e2e import OPENSTACK
from tests.integration.test_clients_e2e import _openstack
from tests.integration.test_clients_e2e import _until
from tests.integration.test_clients_e2e import all_in_one  # noqa: F401

ROWS, COLUMNS = 37, 111


def _spawn(endpoint, *args):
    child = pexpect.spawn(
        OPENSTACK, ["--os-auth-type", "none", "--os-endpoint", endpoint,
                    "appcontainer", *args], dimensions=(ROWS, COLUMNS),
        timeout=60, encoding="utf-8", env=dict(os.environ, TERM="dumb"))
    return child


def _prompt(child):
    """Wait for the shell's prompt. busybox asks where the cursor is
    (ESC [6n) at each prompt; the test leaves that unanswered, as a
    terminal that does not know the query does. Answered just before the
    typed line, the answer and the line's first 10 bytes reached busybox
    together (16 bytes, its key buffer) and it dropped those 10 bytes with
    the cursor report (5 of 8 tries; a person types long after their
    terminal answered). Unanswered, it read the line whole (20 of 20)."""
    child.expect(["\x1b\\[6n", "# $"])


def _status(endpoint, ident):
    return lambda: json.loads(_openstack(endpoint, "show", ident, "-f",
                                         "json"))["status"]


def test_exec_interactive_gives_a_shell_of_the_terminals_size(
        all_in_one):  # noqa: F811
    endpoint, _, image = all_in_one
    _openstack(endpoint, "run", "--name", "pty-exec", image, "sleep", "300")
    _until(_status(endpoint, "pty-exec"), "Running")
    child = _spawn(endpoint, "exec", "--interactive", "pty-exec", "sh")
    child.expect("connected to pty-exec")
    _prompt(child)
    child.sendline("echo $((6*7)); stty size")
    child.expect("\r\n42\r\n")
    child.expect("%d %d" % (ROWS, COLUMNS))
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    _openstack(endpoint, "delete", "--stop", "pty-exec")


def test_run_interactive_then_attach_and_detach(all_in_one):  # noqa: F811
    endpoint, client, image = all_in_one
    child = _spawn(endpoint, "run", "--name", "pty-run", "--interactive",
                   image, "sh")
    child.expect("connected to")
    child.send("\r")  # attach joins a shell already at its prompt
    _prompt(child)
    child.sendline("echo from-$((2+3))-run")
    child.expect("from-5-run")
    # Detach. python-zunclient's escape (Enter ~ .) compares the bytes it
    # reads with a str and never fires on Python 3, and a raw terminal
    # sends ^C to the container: a person closes the terminal (SIGHUP).
    child.close(force=True)
    assert not child.isalive()
    assert _status(endpoint, "pty-run")() == "Running"

    child = _spawn(endpoint, "attach", "pty-run")
    child.expect("connected to")
    child.send("\r")
    _prompt(child)
    child.sendline("echo back-$((3*3))")
    child.expect("back-9")
    child.sendline("stty size")
    child.expect("%d %d" % (ROWS, COLUMNS))
    # Exiting the shell ends the container, and the session with it.
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    _until(_status(endpoint, "pty-run"), "Stopped")
    info = json.loads(_openstack(endpoint, "show", "pty-run", "-f", "json"))
    assert (info["interactive"], info["tty"]) == (True, True)
    docker_config = client.inspect_container(
        "magnum-lite-" + info["uuid"])["Config"]
    assert docker_config["OpenStdin"] and docker_config["Tty"]
    _openstack(endpoint, "delete", "pty-run")
