"""What placement counts is what Docker enforces, and no container can take
a shared host's memory, PIDs or disk (issue 20, holes 3 to 5)."""
import contextlib
import glob
import os

from harness import stack as shared
from magnum_lite import lifecycle

MiB = 1024 * 1024


@contextlib.contextmanager
def overridden(conf, group, **values):
    """The live conductor's options changed for one test, then restored."""
    for name, value in values.items():
        conf.set_override(name, value, group=group)
    try:
        yield
    finally:
        for name in values:
            conf.clear_override(name, group=group)


def _run(live, command, **fields):
    c = live.new_container(command=command, **fields)
    live.api.create(live.context, c, run=True)
    return live.wait(c)


def test_a_container_without_limits_gets_the_ones_placement_counted(live):
    c = _run(live, ["sleep", "300"], memory=None, cpu=None)
    assert c.status == lifecycle.RUNNING, c.status_reason
    host = live.inspect(c)["HostConfig"]
    assert host["Memory"] == live.conf.conductor.default_memory_mb * MiB
    assert host["NanoCpus"] == round(live.conf.conductor.default_cpus * 1e9)
    assert host["PidsLimit"] == live.conf.docker.pids_limit == 1024
    assert host["LogConfig"] == {
        "Type": "json-file", "Config": {"max-size": str(10 * MiB),
                                        "max-file": "5"}}
    assert host["SecurityOpt"] == ["no-new-privileges"]


def test_an_update_moves_what_docker_enforces(live):
    c = _run(live, ["sleep", "300"], memory=None, cpu=None)
    live.api.update(live.context, c, {"memory": 96, "cpu": 0.5})
    host = live.inspect(c)["HostConfig"]
    assert (host["Memory"], host["NanoCpus"]) == (96 * MiB, 500_000_000)


def test_a_privileged_container_goes_without_no_new_privileges(live):
    # Privileged is an admin's to ask for (policy); `live` acts as one.
    # Created, not started: what Docker was asked for is in its record,
    # and an engine that may not grant every capability (one inside a
    # container, as in CI) still creates it.
    normal = _created(live)
    privileged = _created(live, privileged=True)
    assert live.inspect(normal)["HostConfig"]["SecurityOpt"] == [
        "no-new-privileges"]
    host = live.inspect(privileged)["HostConfig"]
    assert host["Privileged"] is True
    assert "no-new-privileges" not in (host["SecurityOpt"] or [])


def _created(live, **fields):
    c = live.new_container(command=["sleep", "300"], **fields)
    live.api.create(live.context, c, run=False)
    c = live.wait(c)
    assert c.status == lifecycle.CREATED, c.status_reason
    return c


# A shell that starts 60 sleepers, then gives its place to one more.
FORK_60 = ["sh", "-c", "sh -c 'i=0; while [ $i -lt 60 ]; do sleep 300 & "
           "i=$((i+1)); done; echo forked'; exec sleep 300"]


def _processes(live, container):
    """The container's processes, as the service's top lists them."""
    return live.api.top(live.context, container)["Processes"]


def test_a_fork_bomb_stops_at_the_pids_limit(live):
    """60 sleepers: under a limit of 100 they all run; under 16 the inner
    shell cannot fork past the limit and dies, inside its container, which
    runs on with the processes the limit let in; top counts them."""
    with overridden(live.conf, "docker", pids_limit=100):
        roomy = _run(live, FORK_60)
    assert roomy.status == lifecycle.RUNNING, roomy.status_reason
    with overridden(live.conf, "docker", pids_limit=16):
        tight = _run(live, FORK_60)
    assert tight.status == lifecycle.RUNNING, tight.status_reason
    assert live.inspect(tight)["HostConfig"]["PidsLimit"] == 16
    shared.wait_for(lambda: b"can't fork" in live.docker.logs(
        tight.container_id), 30, 0.1, "the tight shell refused a fork")
    # The outer shell, the inner one and 14 sleepers made 16; the inner
    # one died of the refusal and the outer one became the last sleeper.
    assert len(_processes(live, tight)) == 15
    # The roomy one's loop runs its course (< 10 s): 60 sleepers and the
    # last one. The host's other containers were never short of PIDs.
    shared.wait_for(lambda: b"forked" in live.docker.logs(
        roomy.container_id), 30, 0.1, "the roomy shell forked 60")
    assert len(_processes(live, roomy)) == 61


def test_logs_on_disk_stay_within_the_rotation(live):
    """100 MB to stdout with the defaults (10 MiB files, 5 kept): what
    stays on disk is the newest 50 MiB at most, in the engine's LogPath
    and its rotated LogPath.1 to .4."""
    size = live.conf.docker.log_max_size * MiB
    files = live.conf.docker.log_max_files
    assert (size, files) == (10 * MiB, 5)
    # 100,000 lines of 999 x's and a newline.
    line = "$(busybox head -c 999 /dev/zero | busybox tr '\\0' x)"
    c = _run(live, ["sh", "-c", "busybox yes %s | busybox head -c "
                    "100000000" % line])
    assert live.docker.wait(c.container_id, timeout=300)["StatusCode"] == 0
    log_path = live.inspect(c)["LogPath"]
    kept = [log_path] + ["%s.%d" % (log_path, i) for i in range(1, files)]
    assert sorted(glob.glob(log_path + "*")) == sorted(kept)
    assert sum(os.path.getsize(p) for p in kept) <= size * files
