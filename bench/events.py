"""Delay from a Docker event to the record showing it.

    python -m bench.events [--count 30]

Each round starts a container through the conductor, kills it from
outside with docker-py, and measures from the `die` event's own time
(timeNano, Docker's clock) to the moment the record's status reads
Stopped (polled every 2 ms with a cheap query). For scale: kubelet
relists every second; Zun polls Docker every minute.
"""
import argparse
import sys
import tempfile
import threading
import time
import uuid

import docker
import sqlalchemy as sa

from bench import common


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    args = parser.parse_args(argv)
    env = common.engine_env()
    url, image = env["MAGNUM_LITE_TEST_DOCKER_URL"], env[
        "MAGNUM_LITE_TEST_IMAGE"]
    client = docker.APIClient(base_url=url, version="auto")
    live = common.live_conductor(url, "kombu+memory:////",
                                 "sqlite:///%s/bench.sqlite" %
                                 tempfile.mkdtemp())

    from magnum_lite.db import api as db
    from magnum_lite.db import models
    from magnum_lite import lifecycle
    from magnum_lite import objects

    table = models.Container.__table__
    engine = db.get_engine()
    die_times = {}
    events = client.events(decode=True, filters={"type": "container",
                                                 "event": "die"})

    def watch():
        for event in events:
            die_times[event["id"]] = int(event["timeNano"]) / 1e9

    threading.Thread(target=watch, daemon=True).start()
    delays = []
    try:
        for _ in range(args.count):
            c = objects.Container(live.context,
                                  name="ev-" + uuid.uuid4().hex[:10],
                                  project_id="bench", user_id="bench",
                                  image=image, command=["sleep", "300"],
                                  status=lifecycle.CREATING,
                                  host=live.conf.host)
            c.create()
            live.api.create(live.context, c, run=True)
            query = sa.select(table.c.status, table.c.container_id,
                              table.c.task_state).where(table.c.uuid == c.uuid)
            while True:
                with engine.connect() as conn:
                    status, container_id, task = conn.execute(query).one()
                if status == lifecycle.RUNNING and task is None:
                    break
                time.sleep(0.005)
            client.kill(container_id)
            while True:
                with engine.connect() as conn:
                    status = conn.execute(query).one()[0]
                if status == lifecycle.STOPPED:
                    seen = time.time()
                    break
                time.sleep(0.002)
            while container_id not in die_times:
                time.sleep(0.001)
            delays.append(seen - die_times[container_id])
            client.remove_container(container_id, force=True)
    finally:
        events.close()
        for c in objects.ContainerList.on_host(live.context, live.conf.host):
            if c.container_id:
                try:
                    client.remove_container(c.container_id, force=True)
                except docker.errors.NotFound:
                    pass
        live.stop()
    print(common.summary("docker event -> record", delays))
    print("max %.1f ms" % (max(delays) * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
