"""Delay from a Docker event to the record showing it.

    python -m bench.events [--count 30] [--kind die|health]

Each round starts a container through the conductor, then from outside
with docker-py either kills it (die) or makes its health check fail
(health: it removes the file `test -f` checks), and measures from the
event's own time (timeNano, Docker's clock: `die`, or `health_status:
unhealthy`) to the moment the record reads Stopped, or its health
unhealthy (polled every 2 ms with a cheap query). For scale: kubelet
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
    parser.add_argument("--kind", choices=("die", "health"), default="die")
    args = parser.parse_args(argv)
    health = args.kind == "health"
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
    wanted = "health_status: unhealthy" if health else "die"
    events = client.events(decode=True, filters={"type": "container"})

    def watch():
        for event in events:
            if event.get("Action") == wanted:
                die_times[event["id"]] = int(event["timeNano"]) / 1e9

    threading.Thread(target=watch, daemon=True).start()
    delays = []
    try:
        for _ in range(args.count):
            c = objects.Container(live.context,
                                  name="ev-" + uuid.uuid4().hex[:10],
                                  project_id="bench", user_id="bench",
                                  image=image, command=[
                                      "sh", "-c", "touch /ok; sleep 300"],
                                  healthcheck={"test": "test -f /ok",
                                               "interval": 1, "retries": 1,
                                               "timeout": 1}
                                  if health else None,
                                  status=lifecycle.CREATING,
                                  host=live.conf.host)
            c.create()
            live.api.create(live.context, c, run=True)
            query = sa.select(table.c.status, table.c.container_id,
                              table.c.task_state, table.c.health).where(
                table.c.uuid == c.uuid)
            ready = "healthy" if health else None
            while True:
                with engine.connect() as conn:
                    status, container_id, task, now = conn.execute(
                        query).one()
                if (status == lifecycle.RUNNING and task is None and
                        now == ready):
                    break
                time.sleep(0.005)
            if health:
                run = client.exec_create(container_id, ["rm", "/ok"])
                client.exec_start(run["Id"])
            else:
                client.kill(container_id)
            while True:
                with engine.connect() as conn:
                    row = conn.execute(query).one()
                if (row.health == "unhealthy" if health
                        else row.status == lifecycle.STOPPED):
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
    print(common.summary("docker %s event -> record" % args.kind, delays))
    print("max %.1f ms" % (max(delays) * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
