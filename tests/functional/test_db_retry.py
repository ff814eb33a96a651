"""A write the database picks as a deadlock's victim is tried again
(db.api.retried, oslo.db's wrap_db_retry), on a real PostgreSQL deadlock."""
import threading

import pytest
import sqlalchemy as sa

from magnum_lite import context as ml_context
from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite import lifecycle
from magnum_lite import objects
from tests.functional.api_fixtures import report_host

pytest_plugins = ["tests.functional.api_fixtures"]
HOSTS = ("retry-a", "retry-b")


def test_a_deadlock_victim_is_tried_again(database):
    if not database.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: no deadlock")
    for host in HOSTS:
        report_host(host, memory_mb=4096, cpus=8.0)
    context = ml_context.RequestContext(project_id="p", user_id="u")
    container = objects.Container(
        context, name="victim", image="busybox", project_id="p",
        user_id="u", status=lifecycle.CREATING)
    assert container.create([HOSTS[0]], (64, 0.5), None,
                            {"hints": {}, "forced": False})
    services = models.Service.__table__
    containers = models.Container.__table__
    moved = {}

    def move():
        # Locks the container's row, then waits for HOSTS[1]'s row.
        try:
            moved["to"] = db.container_replace(
                container.uuid, [HOSTS[1]], {"status_reason": "moved"})
        except Exception as e:
            moved["error"] = e

    with db.get_engine().connect() as conn:
        with conn.begin():
            # This side waits 10 s before it looks for a deadlock, the
            # other side 1 s (the default): the other is the victim.
            conn.execute(sa.text("SET LOCAL deadlock_timeout = '10s'"))
            conn.execute(sa.update(services).where(
                services.c.host == HOSTS[1]).values(disabled=False))
            mover = threading.Thread(target=move)
            mover.start()
            _wait_for_a_lock_wait(conn)
            conn.execute(sa.update(containers).where(
                containers.c.uuid == container.uuid).values(
                    status_detail="held"))
        mover.join(timeout=60)
    assert moved == {"to": HOSTS[1]}


def _wait_for_a_lock_wait(conn):
    """Until another backend waits for a lock (the mover, on our row)."""
    # pg_locks, not pg_stat_activity: that one is read once per
    # transaction, and this one is still open.
    waiting = sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")
    for _ in range(200):
        if conn.execute(waiting).scalar():
            return
        threading.Event().wait(0.05)
    raise AssertionError("the mover never waited for our row")
