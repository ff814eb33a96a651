"""Bounded answers: a logs, exec or archive answer never makes a process
hold more than [api] max_output_bytes of it. Through the real API of an
all-in-one (`magnum-lite-all`) on the private dockerd, and through RPC
for a caller that does not ask for the cut."""
import base64
import contextlib
import hashlib
import io
import os
import shlex
import subprocess
import sys
import tarfile
import threading
import time

import pytest
import requests
from zunclient import client as zun_client

from harness import stack as shared
from magnum_lite.api import answers
from magnum_lite.conductor import rpcapi
from magnum_lite import exception
from magnum_lite import lifecycle

MiB = 1024 * 1024
CAP = 8 * MiB
LATEST = {"OpenStack-API-Version": "container latest"}
# 100 MiB of "x" on stdout, then a last line to know the end by.
FLOOD = ("busybox dd if=/dev/zero bs=1048576 count=100 2>/dev/null | "
         "busybox tr '\\0' x; echo the-end")
FLOOD_BYTES = 100 * MiB + len("the-end\n")


@contextlib.contextmanager
def _all_in_one(tmp_path_factory):
    """(endpoint, pid) of an all-in-one with [api] max_output_bytes CAP."""
    with shared.all_in_one(
            tmp_path_factory.mktemp("bounded"),
            "[api]\nmax_output_bytes = %d\n"
            # Docker keeps the whole flood: its log is not rotated away.
            "[docker]\nlog_max_size = 128\nlog_max_files = 1\n" % CAP
    ) as aio:
        yield aio.endpoint, aio.pid


@pytest.fixture(scope="module")
def aio(tmp_path_factory):
    with _all_in_one(tmp_path_factory) as aio:
        yield aio


@pytest.fixture
def own_aio(tmp_path_factory):
    """An all-in-one whose allocator has not kept another test's memory
    to reuse, which would hide what an answer costs."""
    with _all_in_one(tmp_path_factory) as aio:
        yield aio


# Requests go as noauth's default project (demo), but for the lists of
# another one.
OTHER = {"X-Project-Id": "p-other"}


def _run(endpoint, command):
    answer = requests.post(
        endpoint + "/containers?run=true", headers=LATEST, timeout=30,
        json={"image": shared.stack()["MAGNUM_LITE_TEST_IMAGE"],
              "command": command, "memory": "64M"})
    assert answer.status_code == 202, answer.text
    return answer.json()["uuid"]


def _until(endpoint, uuid_, status, timeout=120):
    def found():
        return requests.get(endpoint + "/containers/" + uuid_,
                            timeout=30).json()

    def reached():
        record = found()
        if record["status"] == status and not record["task_state"]:
            return True
        assert record["status"] != "Error", record["status_reason"]

    shared.wait_for(reached, timeout, 0.2,
                    lambda: "%s, no task: %s" % (status, found()))


def _status_kib(pid, field):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def _measured(endpoint, pid, ask):
    """(ask()'s answer, how many bytes the process's peak resident memory
    grew by while it was asked). Another project's list is asked for all
    the while, and must answer within seconds."""
    with open("/proc/%d/clear_refs" % pid, "w") as refs:
        refs.write("5")  # resets VmHWM to the RSS now
    before = _status_kib(pid, "VmHWM")
    got = {}
    asking = threading.Thread(target=lambda: got.update(answer=ask()))
    asking.start()
    lists = []
    while asking.is_alive():
        started = time.monotonic()
        listed = requests.get(endpoint + "/containers", headers=OTHER,
                              timeout=30)
        assert listed.status_code == 200
        assert listed.json()["containers"] == []
        lists.append((time.monotonic() - started, asking.is_alive()))
    asking.join()
    assert any(during for _, during in lists), lists
    assert max(took for took, _ in lists) < 5, lists
    return got["answer"], (_status_kib(pid, "VmHWM") - before) * 1024


# What one answer may grow the all-in-one by: the conductor holds the
# newest CAP bytes read, and decodes them into one str (2 x CAP for a
# moment); the rest crosses the bus and the API in pieces of
# rpcapi.PIECE characters, a few copies of one at a time.
MAX_GROWTH = 2.5 * CAP


def test_logs_of_100_mib_are_its_newest_bytes_in_bounded_memory(aio):
    endpoint, pid = aio
    flood = _run(endpoint, ["sh", "-c", FLOOD])
    _until(endpoint, flood, "Stopped")
    url = endpoint + "/containers/%s/logs?stdout=True&stderr=True" % flood
    # Warm up the path once (imports, pools, the allocator's arenas).
    requests.get(url, timeout=120).raise_for_status()
    answer, grown = _measured(endpoint, pid,
                              lambda: requests.get(url, timeout=120))

    assert answer.status_code == 200
    assert answer.headers[answers.OUTPUT_CUT] == str(FLOOD_BYTES)
    text = answer.json()
    assert len(text) == CAP
    assert text == "x" * (CAP - len("the-end\n")) + "the-end\n"
    print("logs of %d MiB (cap %d MiB): the process grew by %.1f MiB"
          % (FLOOD_BYTES // MiB, CAP // MiB, grown / MiB))
    assert grown <= MAX_GROWTH, grown / MiB

    # The unmodified client prints what it gets: the same text.
    zun = zun_client.Client("1", endpoint_override=endpoint,
                            auth_token="unused")
    assert zun.containers.logs(flood, stdout=True, stderr=True,
                               timestamps=False, tail="all",
                               since=None) == text


def _sleeper(endpoint):
    uuid_ = _run(endpoint, ["sleep", "600"])
    _until(endpoint, uuid_, "Running")
    return uuid_


@pytest.fixture(scope="module")
def sleeper(aio):
    return _sleeper(aio[0])


def _execute(endpoint, uuid_, script):
    return requests.post(
        endpoint + "/containers/%s/execute" % uuid_,
        params={"command": shlex.join(["sh", "-c", script])},
        headers=LATEST, timeout=120)


def test_exec_output_over_the_cap_is_cut_to_its_newest_part(own_aio):
    endpoint, pid = own_aio
    sleeper = _sleeper(endpoint)
    script = ("busybox dd if=/dev/zero bs=1048576 count=20 2>/dev/null | "
              "busybox tr '\\0' y; echo done; exit 4")
    _execute(endpoint, sleeper, script).raise_for_status()  # warm up
    answer, grown = _measured(endpoint, pid,
                              lambda: _execute(endpoint, sleeper, script))
    assert answer.status_code == 200, answer.text
    assert answer.headers[answers.OUTPUT_CUT] == str(20 * MiB + 5)
    body = answer.json()
    assert sorted(body) == ["exec_id", "exit_code", "output"]
    assert body["exit_code"] == 4
    assert body["output"] == "y" * (CAP - 5) + "done\n"
    print("exec of 20 MiB (cap %d MiB): the process grew by %.1f MiB"
          % (CAP // MiB, grown / MiB))
    assert grown <= MAX_GROWTH, grown / MiB

    small = _execute(endpoint, sleeper, "echo hi")
    assert small.json()["output"] == "hi\n"
    assert answers.OUTPUT_CUT not in small.headers


def _archive(endpoint, uuid_, path):
    return requests.get(
        endpoint + "/containers/%s/get_archive" % uuid_,
        params={"path": path}, headers=LATEST, timeout=120)


def test_an_archive_over_the_cap_is_refused_with_its_size(aio, sleeper):
    endpoint, _ = aio
    made = _execute(
        endpoint, sleeper,
        "busybox dd if=/dev/zero of=/tmp/big bs=1048576 count=9 "
        "2>/dev/null; mkdir /tmp/many; for i in 1 2 3; do busybox dd "
        "if=/dev/zero of=/tmp/many/$i bs=1048576 count=3 2>/dev/null; "
        "done; printf hello > /tmp/small")
    assert made.json()["exit_code"] == 0, made.text

    big = _archive(endpoint, sleeper, "/tmp/big")
    assert big.status_code == 413
    detail = big.json()["errors"][0]["detail"]
    assert "%d bytes" % (9 * MiB) in detail, detail

    many = _archive(endpoint, sleeper, "/tmp/many")
    assert many.status_code == 413
    detail = many.json()["errors"][0]["detail"]
    assert "more than %d bytes" % CAP in detail, detail

    small = _archive(endpoint, sleeper, "/tmp/small")
    assert small.status_code == 200, small.text
    assert small.json()["stat"]["size"] == 5
    tar = tarfile.open(mode="r:", fileobj=io.BytesIO(  # a plain tar
        base64.b64decode(small.json()["data"])))
    assert tar.extractfile("small").read() == b"hello"


SEVEN = 7 * MiB  # a file whose archive is under CAP


def test_an_archive_under_the_cap_comes_in_bounded_memory(own_aio,
                                                         tmp_path):
    """Its base64, a third larger than the tar, crosses the bus and the
    API in pieces (RPC 1.7), made from the tar the conductor holds."""
    endpoint, pid = own_aio
    sleeper = _sleeper(endpoint)
    made = _execute(endpoint, sleeper,
                    "busybox dd if=/dev/urandom of=/tmp/seven bs=1048576 "
                    "count=7 2>/dev/null; busybox sha256sum /tmp/seven")
    assert made.json()["exit_code"] == 0, made.text
    digest = made.json()["output"].split()[0]
    _archive(endpoint, sleeper, "/tmp/seven").raise_for_status()  # warm up
    answer, grown = _measured(
        endpoint, pid, lambda: _archive(endpoint, sleeper, "/tmp/seven"))
    assert answer.status_code == 200, answer.text[:200]
    assert answer.json()["stat"]["size"] == SEVEN
    tar = tarfile.open(mode="r:", fileobj=io.BytesIO(
        base64.b64decode(answer.json()["data"])))
    assert hashlib.sha256(tar.extractfile("seven").read()
                          ).hexdigest() == digest
    print("archive of a %d MiB file (cap %d MiB): the process grew by "
          "%.1f MiB" % (SEVEN // MiB, CAP // MiB, grown / MiB))
    assert grown <= MAX_GROWTH, grown / MiB

    # The unmodified CLI copies it out of the streamed answer.
    copied = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "openstack"),
         "--os-auth-type", "none", "--os-endpoint", endpoint,
         "appcontainer", "cp", sleeper + ":/tmp/seven", str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert copied.returncode == 0, copied.stdout + copied.stderr
    assert hashlib.sha256((tmp_path / "seven").read_bytes()
                          ).hexdigest() == digest


def test_rpc_callers_before_1_6_still_get_text(live):
    """Over RPC: a caller that does not ask with_cut gets the text as
    before, one that does gets the cut too; execute's answer gains it. A
    caller at 1.6 gets a long output in pieces, one before it whole; at
    1.7 an archive's data comes in pieces, one before it whole."""
    live.conf.set_override("max_output_bytes", MiB, group="api")
    try:
        c = live.new_container(command=[
            "sh", "-c", "busybox dd if=/dev/zero bs=1048576 count=3 "
            "2>/dev/null | busybox tr '\\0' z; echo fin; sleep 300"])
        live.api.create(live.context, c, run=True)
        c = live.wait(c, lifecycle.RUNNING)

        def finished():
            logs = live.api.logs(live.context, c)
            return logs if logs.endswith("fin\n") else None

        old = shared.wait_for(finished, 30, 0.2, lambda: "logs end fin: %r" % (
            live.api.logs(live.context, c)[-20:]))
        assert old == "z" * (MiB - 4) + "fin\n"
        # From 1.6 an output longer than a piece comes in pieces.
        new = live.api.logs(live.context, c, with_cut=True)
        assert new["cut"] == 3 * MiB + 4
        pieces = list(new["output"])
        assert len(pieces) == MiB // rpcapi.PIECE
        assert "".join(pieces) == old
        # A caller at 1.5 still gets it whole.
        at_1_5 = live.api._prepare(c, "1.5").call(
            live.context, "logs", container=c, with_cut=True)
        assert at_1_5 == {"output": old, "cut": 3 * MiB + 4}
        assert live.api.logs(live.context, c, since=int(time.time()) + 60,
                             with_cut=True) == {"output": "", "cut": None}
        ran = live.api.execute(live.context, c, ["sh", "-c", "echo ok"])
        assert (ran["output"], ran["cut"]) == ("ok\n", None)
        ran = live.api.execute(live.context, c, [
            "sh", "-c", "busybox dd if=/dev/zero bs=1048576 count=2 "
            "2>/dev/null | busybox tr '\\0' q"])
        assert ran["cut"] == 2 * MiB and ran["exit_code"] == 0
        pieces = list(ran["output"])
        assert len(pieces) == MiB // rpcapi.PIECE
        assert "".join(pieces) == "q" * MiB

        live.api.execute(live.context, c, [
            "sh", "-c", "busybox dd if=/dev/zero bs=1024 count=512 "
            "2>/dev/null | busybox tr '\\0' a > /tmp/half; "
            "printf '\\377' > /tmp/bad"])
        at_1_0 = live.api._prepare(c).call(live.context, "get_archive",
                                           container=c, path="/tmp/half")
        tar = base64.b64decode(at_1_0["data"])
        got = live.api.get_archive(live.context, c, "/tmp/half")
        assert got["stat"] == at_1_0["stat"]
        pieces = list(got["data"])
        assert len(pieces) == -(-len(at_1_0["data"]) // rpcapi.PIECE)
        assert "".join(pieces) == at_1_0["data"]
        text = live.api.get_archive(live.context, c, "/tmp/half",
                                    as_text=True)
        assert "".join(text["data"]).encode() == tar
        with pytest.raises(exception.NotAcceptable):
            live.api.get_archive(live.context, c, "/tmp/bad",
                                 as_text=True)
    finally:
        live.conf.clear_override("max_output_bytes", group="api")
