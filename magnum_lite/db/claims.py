"""Host capacity and the claims on it, each taken or given back in the
transaction that writes the container it is for.

A claim is one conditional UPDATE of the host's row: it adds the
container's memory and CPU to what is used only while the sum stays within
the host's capacity, so two API processes placing at once can never give a
host out twice (whichever writes second finds no room and tries the next
host). The container row keeps its own share, so a delete gives back
exactly what was taken, whatever the defaults are by then.
"""
import sqlalchemy as sa

from magnum_lite.db import models

SERVICES = models.Service.__table__
CONTAINERS = models.Container.__table__
CONDUCTOR = "magnum-lite-conductor"


def _host(host):
    return sa.and_(SERVICES.c.host == host, SERVICES.c.binary == CONDUCTOR)


def take(session, host, memory_mb, cpu):
    """Claim memory_mb and cpu on `host` if they fit; whether they did."""
    result = session.execute(
        sa.update(SERVICES)
        .where(_host(host),
               SERVICES.c.memory_used_mb + memory_mb <= SERVICES.c.memory_mb,
               SERVICES.c.cpu_used + cpu <= SERVICES.c.cpus)
        .values(memory_used_mb=SERVICES.c.memory_used_mb + memory_mb,
                cpu_used=SERVICES.c.cpu_used + cpu,
                container_count=SERVICES.c.container_count + 1))
    return result.rowcount == 1


def give_back(session, container_uuid):
    """Return the claim of a container about to be deleted, if it has one."""
    row = session.execute(
        sa.select(CONTAINERS.c.host, CONTAINERS.c.claim_memory_mb,
                  CONTAINERS.c.claim_cpu)
        .where(CONTAINERS.c.uuid == container_uuid)).first()
    if row is None or row.host is None or row.claim_memory_mb is None:
        return
    session.execute(
        sa.update(SERVICES).where(_host(row.host)).values(
            memory_used_mb=SERVICES.c.memory_used_mb - row.claim_memory_mb,
            cpu_used=SERVICES.c.cpu_used - row.claim_cpu,
            container_count=SERVICES.c.container_count - 1))


def recount(session, host, default_memory_mb):
    """Set `host`'s usage to what its records hold, e.g. after a crash or
    an operator's edit. The host's row is locked first: a placement racing
    this one either committed before (and is counted) or waits and adds
    its claim after."""
    locked = session.execute(sa.select(SERVICES.c.id).where(
        _host(host)).with_for_update()).first()
    if locked is None:
        return None
    mine = CONTAINERS.c.host == host
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

