"""Queries on the conductor services: heartbeats with their hosts'
capacity, an operator's changes, and repairing a host's usage."""
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import claims
from magnum_lite.db import models
from magnum_lite import exception

# The engine's state when a heartbeat does not say.
_UNSAID = object()


@db.retried
def service_report(host, binary, topic, engine_info=None, capacity=None,
                   engine_error=_UNSAID, continuous_within=None):
    """Create or refresh a service's row: its heartbeat, with what its
    host may give out ({memory_mb, cpus, labels}) when that is given, and
    engine_error: None when its engine answered, else why it did not.
    A beat over continuous_within seconds after the one before records
    that gap (gap_start, gap_end)."""
    with db.transaction() as session:
        row = session.scalars(sa.select(models.Service).where(
            models.Service.host == host,
            models.Service.binary == binary)).first()
        if row is None:
            row = models.Service(host=host, binary=binary, topic=topic)
            session.add(row)
        now = db.now()
        last = row.updated_at or row.created_at
        if (last is not None and continuous_within is not None and
                (now - last).total_seconds() > continuous_within):
            row.gap_start, row.gap_end = last, now
        row.report_count = (row.report_count or 0) + 1
        row.updated_at = now
        if engine_error is not _UNSAID:
            if engine_error is None:
                row.engine_down_since = row.engine_error = None
            else:
                if row.engine_down_since is None:
                    row.engine_down_since = now
                row.engine_error = engine_error
        if engine_info is not None:
            row.engine_info = engine_info
        for name, value in (capacity or {}).items():
            setattr(row, name, value)
        session.flush()
        return row


@db.retried
def service_judge_lost(host, binary, last_beat):
    """Record that the service is lost, unless it has beaten since
    last_beat (or was judged so already)."""
    services = models.Service.__table__
    with db.transaction() as session:
        session.execute(sa.update(services).where(
            services.c.host == host, services.c.binary == binary,
            services.c.updated_at == last_beat,
            services.c.judged_lost_at.is_(None) |
            (services.c.judged_lost_at < last_beat)).values(
                judged_lost_at=db.now()))


@db.retried
def service_update(host, binary, values):
    with db.transaction() as session:
        row = session.scalars(sa.select(models.Service).where(
            models.Service.host == host,
            models.Service.binary == binary)).first()
        if row is None:
            raise exception.ServiceNotFound(host=host, binary=binary)
        for name, value in values.items():
            setattr(row, name, value)
        session.flush()
        return row


@db.retried
def service_delete(host, binary):
    with db.transaction() as session:
        placed = session.execute(sa.select(sa.func.count()).where(
            db.CONTAINERS.c.host == host)).scalar()
        if placed:
            raise exception.HostHasContainers(host=host, count=placed)
        deleted = session.execute(sa.delete(models.Service).where(
            models.Service.host == host, models.Service.binary == binary))
        if not deleted.rowcount:
            raise exception.ServiceNotFound(host=host, binary=binary)


@db.retried
def host_recount(host, default_memory_mb):
    """Repair a host's usage from its records; the new usage (None when
    there is no such host)."""
    with db.transaction() as session:
        return claims.recount(session, host, default_memory_mb)


def service_list(binary=None):
    services = models.Service.__table__
    query = sa.select(services).order_by(services.c.id)
    if binary is not None:
        query = query.where(services.c.binary == binary)
    return db.read(query)
