"""Liveness: how long after a loss the API reports the host lost."""
# python -m bench.liveness [--losses 10]
#
# Three conductor processes and an API process on RabbitMQ and PostgreSQL
# (harness/multihost.py), with the defaults a deployment runs
# with ([conductor] heartbeat_interval, service_down_time). The third host
# has a Docker Engine of its own, to be killed. Each loss is one of:
#   conductor  SIGKILL of its conductor process
#   engine     SIGKILL of its dockerd (the conductor stays up)
#   host       both at once
# and is timed from the signal to the first GET /v1/services (polled every
# 0.1 s) that says "down"; then the host is brought back and waited for.
import argparse
import datetime
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time

def _defaults():
    from magnum_lite import conf as ml_conf
    opts = {o.name: o.default for o in ml_conf.conductor_opts}
    return {"conductor": {name: opts[name] for name in (
        "heartbeat_interval", "service_down_time", "reconcile_interval")}}


def _until_state(d, host, state, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if d.services()[host]["state"] == state:
                return time.monotonic()
        except (OSError, AssertionError, KeyError):
            pass
        time.sleep(0.1)
    raise RuntimeError("%s not %s after %ss" % (host, state, timeout))


def _kill_engine(engine):
    pid = engine.pid()
    os.kill(pid, signal.SIGKILL)
    return pid


def measure(d, engine, kind, losses):
    host = d.hosts[2]
    times = []
    for _ in range(losses):
        d.wait_alive([host])
        _until_state(d, host, "up")
        lost_at = time.monotonic()
        if kind in ("conductor", "host"):
            d.kill(host)
        if kind in ("engine", "host"):
            _kill_engine(engine)
        times.append(_until_state(d, host, "down") - lost_at)
        if kind in ("engine", "host"):
            engine.up()
        if kind in ("conductor", "host"):
            d.start(host)
    d.wait_alive([host])
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--losses", type=int, default=10)
    parser.add_argument("--kinds", default="conductor,engine,host")
    args = parser.parse_args(argv)
    from harness import stack as shared
    from harness import multihost

    print("%s, code %s" % (
        datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"),
        subprocess.run(["git", "describe", "--always", "--dirty"],
                       capture_output=True, text=True).stdout.strip()))
    results = {}
    with shared.private_engine() as engine:
        urls = multihost.docker_urls(2) + [engine.up()]
        workdir = pathlib.Path(tempfile.mkdtemp(prefix="ml-bench-live-"))
        with multihost.deployed(workdir, 3, options=_defaults(),
                                urls=urls) as d:
            for kind in args.kinds.split(","):
                results[kind] = measure(d, engine, kind, args.losses)
                times = results[kind]
                print("%-9s %2d losses: median %.1f s, max %.1f s  (%s)" % (
                    kind, len(times), statistics.median(times), max(times),
                    " ".join("%.1f" % t for t in times)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
