"""Host capacity, project quotas, and the claims on both, each taken or
given back in the transaction that writes the container it is for.

A claim is one conditional UPDATE of the host's row: it adds the
container's memory and CPU to what is used only while the sum stays within
the host's capacity, so two API processes placing at once can never give a
host out twice (whichever writes second finds no room and tries the next
host). The container row keeps its own share, so a delete gives back
exactly what was taken, whatever the defaults are by then. A project's
quota works the same way on its one project_usages row.
"""
from oslo_db import exception as db_exc
import sqlalchemy as sa

from magnum_lite.db import models

SERVICES = models.Service.__table__
CONTAINERS = models.Container.__table__
USAGES = models.ProjectUsage.__table__
# The quota resources a container claims, by their column in USAGES.
QUOTA_COLUMNS = {"containers": USAGES.c.containers,
                 "memory": USAGES.c.memory_mb, "cpu": USAGES.c.cpu}
CONDUCTOR = "magnum-lite-conductor"


def _host(host):
    return sa.and_(SERVICES.c.host == host, SERVICES.c.binary == CONDUCTOR)


# The claims every create makes are built once, with their amounts as
# parameters: building a statement anew costs more than running it.
_ASK_MB, _ASK_CPU = sa.bindparam("ask_mb"), sa.bindparam("ask_cpu")
_TAKE = (
    sa.update(SERVICES)
    .where(_host(sa.bindparam("on_host")),
           SERVICES.c.memory_used_mb + _ASK_MB <= SERVICES.c.memory_mb,
           SERVICES.c.cpu_used + _ASK_CPU <= SERVICES.c.cpus)
    .values(memory_used_mb=SERVICES.c.memory_used_mb + _ASK_MB,
            cpu_used=SERVICES.c.cpu_used + _ASK_CPU,
            container_count=SERVICES.c.container_count + 1))
# A limit below 0 is no limit.
_TAKE_QUOTA = (
    sa.update(USAGES)
    .where(USAGES.c.project_id == sa.bindparam("of_project"),
           *(sa.or_(sa.bindparam("limit_" + name) < 0,
                    column + sa.bindparam("ask_" + name)
                    <= sa.bindparam("limit_" + name))
             for name, column in QUOTA_COLUMNS.items()))
    .values({column: column + sa.bindparam("ask_" + name)
             for name, column in QUOTA_COLUMNS.items()}))


def take(session, host, memory_mb, cpu):
    """Claim memory_mb and cpu on `host` if they fit; whether they did."""
    result = session.execute(_TAKE, {"on_host": host, "ask_mb": memory_mb,
                                     "ask_cpu": cpu})
    return result.rowcount == 1


def release_host(session, host, memory_mb, cpu):
    """Give a claim back to its host alone (the container moves on)."""
    session.execute(sa.update(SERVICES).where(_host(host)).values(
        memory_used_mb=SERVICES.c.memory_used_mb - memory_mb,
        cpu_used=SERVICES.c.cpu_used - cpu,
        container_count=SERVICES.c.container_count - 1))


def take_quota(session, project_id, asked, limits):
    """Claim asked ({resource: amount}) of the project's quota if it stays
    within limits ({resource: limit}, -1 for none); None when it did, else
    the first resource it would exceed with (limit, in use)."""
    mine = USAGES.c.project_id == project_id
    params = {"of_project": project_id}
    for name in QUOTA_COLUMNS:
        params["ask_" + name] = asked.get(name, 0)
        params["limit_" + name] = limits[name] if name in asked else -1
    if session.execute(_TAKE_QUOTA, params).rowcount == 1:
        return None
    row = session.execute(sa.select(USAGES).where(mine)).first()
    if row is None:  # the project's first container: its row first
        _add_usage_row(session, project_id)
        if session.execute(_TAKE_QUOTA, params).rowcount == 1:
            return None
        row = session.execute(sa.select(USAGES).where(mine)).one()
    for name, amount in asked.items():
        used = getattr(row, QUOTA_COLUMNS[name].name)
        if 0 <= limits[name] < used + amount:
            return name, limits[name], used
    return None  # the limits moved since: it fits now (not reached)


def _add_usage_row(session, project_id):
    # A savepoint: a concurrent first create of the same project may
    # insert it too, and only this insert should be undone then.
    try:
        with session.begin_nested():
            session.execute(sa.insert(USAGES).values(
                project_id=project_id, containers=0, memory_mb=0, cpu=0.0))
    except db_exc.DBDuplicateEntry:
        pass


def usage(session, project_id):
    """{resource: in use} of a project."""
    row = session.execute(sa.select(USAGES).where(
        USAGES.c.project_id == project_id)).first()
    return {name: (getattr(row, column.name) if row else 0)
            for name, column in QUOTA_COLUMNS.items()}


def give_back(session, container_uuid):
    """Return the claims of a container about to be deleted, if it has
    them: its host's and its project's."""
    row = session.execute(
        sa.select(CONTAINERS.c.host, CONTAINERS.c.project_id,
                  CONTAINERS.c.claim_memory_mb, CONTAINERS.c.claim_cpu)
        .where(CONTAINERS.c.uuid == container_uuid)).first()
    if row is None or row.claim_memory_mb is None:
        return
    session.execute(
        sa.update(SERVICES).where(_host(row.host)).values(
            memory_used_mb=SERVICES.c.memory_used_mb - row.claim_memory_mb,
            cpu_used=SERVICES.c.cpu_used - row.claim_cpu,
            container_count=SERVICES.c.container_count - 1))
    session.execute(
        sa.update(USAGES).where(USAGES.c.project_id == row.project_id)
        .values(containers=USAGES.c.containers - 1,
                memory_mb=USAGES.c.memory_mb - row.claim_memory_mb,
                cpu=USAGES.c.cpu - row.claim_cpu))


def recount(session, host, default_memory_mb):
    """Set `host`'s usage to what its records hold, e.g. after a crash or
    an operator's edit. The host's row is locked first: a placement racing
    this one either committed before (and is counted) or waits and adds
    its claim after."""
    locked = session.execute(sa.select(SERVICES.c.id).where(
        _host(host)).with_for_update()).first()
    if locked is None:
        return None
    # A capsule's members claim nothing: the capsule holds their sum.
    mine = sa.and_(CONTAINERS.c.host == host,
                   CONTAINERS.c.capsule_id.is_(None))
    memory = sa.func.coalesce(CONTAINERS.c.claim_memory_mb,
                              CONTAINERS.c.memory, default_memory_mb)
    cpu = sa.func.coalesce(CONTAINERS.c.claim_cpu, CONTAINERS.c.cpu, 1.0)
    used = session.execute(sa.select(
        sa.func.coalesce(sa.func.sum(memory), 0),
        sa.func.coalesce(sa.func.sum(cpu), 0.0),
        sa.func.count()).where(mine)).one()
    session.execute(sa.update(SERVICES).where(_host(host)).values(
        memory_used_mb=used[0], cpu_used=used[1], container_count=used[2]))
    return {"memory_used_mb": int(used[0]), "cpu_used": float(used[1]),
            "container_count": int(used[2])}


def change(session, container_uuid, memory_mb, cpu, limits):
    """Move a container's claim to (memory_mb, cpu): raising it takes the
    difference from its host and its project's quota, if both have room,
    lowering gives it back. None when done, else what refused it: "host",
    or (resource, limit, in use) of the quota."""
    row = session.execute(
        sa.select(CONTAINERS.c.host, CONTAINERS.c.project_id,
                  CONTAINERS.c.claim_memory_mb, CONTAINERS.c.claim_cpu)
        .where(CONTAINERS.c.uuid == container_uuid)
        .with_for_update()).one()
    if row.claim_memory_mb is None:
        return None  # placed before claims existed: nothing to move
    memory, cpus = memory_mb - row.claim_memory_mb, cpu - row.claim_cpu
    room = [SERVICES.c.memory_used_mb + memory <= SERVICES.c.memory_mb
            if memory > 0 else sa.true(),
            SERVICES.c.cpu_used + cpus <= SERVICES.c.cpus
            if cpus > 0 else sa.true()]
    moved = session.execute(sa.update(SERVICES).where(
        _host(row.host), *room).values(
            memory_used_mb=SERVICES.c.memory_used_mb + memory,
            cpu_used=SERVICES.c.cpu_used + cpus))
    if moved.rowcount != 1:
        return "host"
    asked = {"memory": memory, "cpu": cpus}
    over = take_quota(session, row.project_id, asked,
                      {name: (limit if asked[name] > 0 else -1)
                       for name, limit in limits.items() if name in asked})
    if over is not None:
        return over
    session.execute(sa.update(CONTAINERS).where(
        CONTAINERS.c.uuid == container_uuid).values(
            claim_memory_mb=memory_mb, claim_cpu=cpu))
    return None
