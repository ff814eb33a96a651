"""Create+start through the conductor against raw docker-py, same daemon.

    python -m bench.conductor [--count 30] [--bus kombu+memory:////]

Raw and conductor runs alternate (in rounds of the concurrency), so drift
in the daemon's speed weighs on both alike. The conductor's time runs
from the RPC cast until the record says Running (the updated_at of the
write that said so); raw docker-py's from create_container to the end of
start. Both use the
same image, a 64 MiB limit and network none; every container is removed.
"""
import argparse
import statistics
import sys
import tempfile
import time
import uuid

import docker

from bench import common


def conductor_create_start(live, image):
    import sqlalchemy as sa

    from magnum_lite.db import api as db
    from magnum_lite.db import models
    from magnum_lite import lifecycle
    from magnum_lite import objects

    table = models.Container.__table__
    engine = db.get_engine()

    def run():
        c = objects.Container(live.context, name="b-" + uuid.uuid4().hex[:10],
                              project_id="bench", user_id="bench",
                              image=image, command=["sleep", "300"],
                              memory=64, status=lifecycle.CREATING,
                              host=live.conf.host)
        c.create()
        start = time.time()
        live.api.create(live.context, c, run=True)
        # The record says when it became Running (updated_at of the write
        # that said so); watching it sparsely keeps the watching from
        # slowing the conductor it measures.
        query = sa.select(table.c.status, table.c.task_state,
                          table.c.status_reason, table.c.updated_at).where(
                              table.c.uuid == c.uuid)
        while True:
            time.sleep(0.05)
            with engine.connect() as conn:
                status, task, reason, updated = conn.execute(query).one()
            if status != lifecycle.CREATING and task is None:
                break
        if status != lifecycle.RUNNING:
            raise RuntimeError(reason)
        return common.epoch(updated) - start
    return run


def clean(client, live):
    """Remove what this run made: raw ones by label, ours by host."""
    from magnum_lite import objects

    ours = [c.container_id for c in objects.ContainerList.on_host(
        live.context, live.conf.host) if c.container_id]
    raw = [c["Id"] for c in client.containers(
        all=True, filters={"label": "bench=raw"})]
    for container_id in ours + raw:
        try:
            client.remove_container(container_id, force=True)
        except docker.errors.NotFound:
            pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--bus", default="kombu+memory:////")
    parser.add_argument("--database", default=None,
                        help="SQLAlchemy URL (default: SQLite in a tmp dir)")
    args = parser.parse_args(argv)
    env = common.engine_env()
    url, image = env["MAGNUM_LITE_TEST_DOCKER_URL"], env[
        "MAGNUM_LITE_TEST_IMAGE"]
    client = docker.APIClient(base_url=url, version="auto")
    live = common.live_conductor(url, args.bus, args.database or
                                 "sqlite:///%s/bench.sqlite" %
                                 tempfile.mkdtemp())
    try:
        named = [("raw docker-py", common.raw_create_start(client, image)),
                 ("conductor", conductor_create_start(live, image))]
        for _, fn in named:
            fn()  # warm up: first use of image and connections
        clean(client, live)
        for concurrency in (1, 4):
            results = common.timed_alternately(named, args.count,
                                               concurrency)
            clean(client, live)
            for name, samples in results.items():
                print(common.summary("%s x%d" % (name, concurrency),
                                     samples))
            ratio = (statistics.median(results["conductor"]) /
                     statistics.median(results["raw docker-py"]))
            print("ratio conductor/raw x%d: %.3f" % (concurrency, ratio))
    finally:
        clean(client, live)
        live.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
