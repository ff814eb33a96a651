"""The REST API: create-and-run against raw docker-py, reads over 10,000
records, and the all-in-one's resident memory.

    python -m bench.api [--count 30] [--database URL]

Runs a real `magnum-lite-all` process (SQLite by default; pass a
PostgreSQL URL to measure that) on the private engine, and talks to it
over HTTP like a client. Create: POST ?run=true, then GET the container
every 50 ms until it says Running; raw: docker-py create+start of the
same image on the same engine; the API's time ends when the record was
written Running (its updated_at). Reads: a page of 1,000 out of 10,000 rows
of one project, and a single show.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import docker

from bench import common
from harness import stack


def start_service(state, docker_url, database, port):
    conf = os.path.join(state, "bench.conf")
    with open(conf, "w") as f:
        f.write("[DEFAULT]\nstate_path = %s\nhost = bench-%s\n"
                "[api]\nport = %d\n[docker]\napi_url = %s\n"
                # The bench makes more containers than a default quota.
                "[quota]\ncontainers = -1\nmemory = -1\ncpu = -1\n" % (
                    state, uuid.uuid4().hex[:6], port, docker_url))
        if database:
            f.write("[database]\nconnection = %s\n" % database)
    if database:
        subprocess.run([sys.executable, "-m", "magnum_lite.cmd.manage",
                        "--config-file", conf, "db", "upgrade"], check=True,
                       capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "magnum_lite.cmd.all",
                             "--config-file", conf],
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(state, "aio.log"), "w"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            common.Client(port).call("GET", "/v1/hosts", headers=common.ADMIN)
            return proc
        except (OSError, RuntimeError):
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("magnum-lite-all did not come up; see %s/aio.log" %
                       state)


def populate(database_url, count, host):
    """count records of project demo (noauth's default), written directly."""
    from magnum_lite.db import api as db
    from magnum_lite.db import models

    engine = db.create_engine(database_url)
    rows = [{"uuid": str(uuid.uuid4()), "name": "bulk-%05d" % i,
             "project_id": "demo", "user_id": "demo",
             "image": "localbusybox:latest", "command": ["sleep", "300"],
             "memory": 64, "cpu": 0.5, "environment": {"A": "1"},
             "labels": {"team": "bench"}, "status": "Stopped",
             "status_reason": "Exited with code 0", "host": host,
             "container_id": uuid.uuid4().hex * 2, "auto_remove": False,
             "restart_policy": {"Name": "no", "MaximumRetryCount": 0}}
            for i in range(count)]
    with engine.begin() as conn:
        conn.execute(models.Container.__table__.insert(), rows)
    engine.dispose()
    return rows


def bench_create(client, docker_client, image, count, database):
    import sqlalchemy as sa

    from magnum_lite.db import models

    engine = sa.create_engine(database)
    table = models.Container.__table__

    def via_api():
        start = time.time()
        body = client.call("POST", "/v1/containers?run=true", {
            "image": image, "command": ["sleep", "300"], "memory": "64"})
        path = "/v1/containers/" + body["uuid"]
        while True:
            # Sparse, so that watching does not slow what it measures.
            time.sleep(0.05)
            c = client.call("GET", path)
            if c["status"] != "Creating" and c["task_state"] is None:
                break
        if c["status"] != "Running":
            raise RuntimeError(c["status_reason"])
        # The moment the record said Running, to the microsecond (the API
        # shows whole seconds).
        with engine.connect() as conn:
            updated = conn.execute(sa.select(table.c.updated_at).where(
                table.c.uuid == body["uuid"])).scalar_one()
        return common.epoch(updated) - start

    raw = common.raw_create_start(docker_client, image)

    named = [("raw docker-py create+start", raw),
             ("API create?run=true -> Running", via_api)]
    for _, fn in named:
        fn()  # warm up
    # Alternating, so drift in the daemon's speed weighs on both alike.
    results = common.timed_alternately(named, count)
    for name, samples in results.items():
        print(common.summary(name, samples))
    ratio = (statistics.median(results["API create?run=true -> Running"]) /
             statistics.median(results["raw docker-py create+start"]))
    print("ratio API/raw: %.3f" % ratio)


def clean(docker_client, host):
    for label in ("bench=raw", "magnum_lite.host=" + host):
        for c in docker_client.containers(all=True,
                                          filters={"label": label}):
            try:
                docker_client.remove_container(c["Id"], force=True)
            except docker.errors.NotFound:
                pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--database", default=None,
                        help="SQLAlchemy URL of an empty database "
                             "(default: SQLite in the state directory)")
    args = parser.parse_args(argv)
    env = common.engine_env()
    url, image = env["MAGNUM_LITE_TEST_DOCKER_URL"], env[
        "MAGNUM_LITE_TEST_IMAGE"]
    state = tempfile.mkdtemp(prefix="ml-bench-")
    database = args.database or "sqlite:///%s/magnum_lite.sqlite" % state
    port = stack.free_port()
    proc = start_service(state, url, args.database, port)
    docker_client = docker.APIClient(base_url=url, version="auto")
    client = common.Client(port)
    host = client.call("GET", "/v1/hosts", headers=common.ADMIN)["hosts"][0][
        "hostname"]
    try:
        print("database:", database.split(":")[0])
        bench_create(client, docker_client, image, args.count, database)
        clean(docker_client, host)
        rows = populate(database, args.rows, host)
        page = "/v1/containers?limit=1000"
        assert len(client.call("GET", page)["containers"]) == 1000
        show = "/v1/containers/" + rows[len(rows) // 2]["uuid"]
        client.call("GET", show)
        # Reads are timed to the last byte of the answer, not parsed: the
        # client's own JSON decoding is not the service's time.
        print(common.summary("list 1,000 of %d" % args.rows, common.timed(
            lambda: client.call("GET", page, parse=False), args.count)))
        print(common.summary("show one", common.timed(
            lambda: client.call("GET", show, parse=False), args.count * 10)))
        print(common.summary("GET /healthcheck (floor)", common.timed(
            lambda: client.call("GET", "/healthcheck", parse=False),
            args.count * 10)))
        print("all-in-one resident memory: %.1f MiB" % common.rss_mib(
            proc.pid))
    finally:
        clean(docker_client, host)
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
