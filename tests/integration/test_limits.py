"""What placement counts is what Docker enforces, and no container can take
a shared host's memory, PIDs or disk (issue 20, holes 3 to 5)."""
import contextlib
import glob
import os
import time

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


def test_a_fork_bomb_stops_at_the_pids_limit(live):
    """60 sleepers: under a limit of 100 they all run; under 16 the shell
    cannot fork past the limit, inside its container, and dies there."""
    bomb = ["sh", "-c", "i=0; while [ $i -lt 60 ]; do sleep 300 & "
            "i=$((i+1)); done; echo forked; sleep 300"]
    with overridden(live.conf, "docker", pids_limit=100):
        roomy = _run(live, bomb)
    assert roomy.status == lifecycle.RUNNING, roomy.status_reason
    with overridden(live.conf, "docker", pids_limit=16):
        tight = _run(live, bomb)
    assert live.docker.wait(tight.container_id, timeout=60)["StatusCode"]
    assert live.inspect(tight)["HostConfig"]["PidsLimit"] == 16
    assert b"can't fork" in live.docker.logs(tight.container_id)
    for _ in range(100):  # the roomy one's loop runs its course (< 10 s)
        if b"forked" in live.docker.logs(roomy.container_id):
            break
        time.sleep(0.1)
    # 60 sleepers and the last `sleep 300`, which sh execs in its place.
    assert len(live.docker.top(roomy.container_id)["Processes"]) == 61


def test_logs_on_disk_stay_within_the_rotation(live):
    """20 MiB to stdout; with 1 MiB files, 2 kept, at most 2 MiB stays."""
    with overridden(live.conf, "docker", log_max_size=1, log_max_files=2):
        c = _run(live, ["sh", "-c", "busybox dd if=/dev/zero bs=65536 "
                        "count=320 2>/dev/null | busybox od -v | "
                        "busybox head -c 20971520"])
    assert live.docker.wait(c.container_id, timeout=120)["StatusCode"] == 0
    log_path = live.inspect(c)["LogPath"]
    files = glob.glob(log_path + "*")
    assert len(files) == 2, files
    assert sum(os.path.getsize(p) for p in files) <= 2 * MiB
