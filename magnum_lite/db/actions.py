"""Queries on the action log: what was asked of each container, which
conductor took it up, and how it ended (docs/status.md: the log is the
record of intent that a conductor carries out)."""
import sqlalchemy as sa

from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite import exception
from magnum_lite import lifecycle

ACTIONS = models.ContainerAction.__table__
CONTAINERS = models.Container.__table__


@db.retried
def action_begin(values, container_values=None):
    """A new entry nobody has taken yet (the API's, before its cast);
    container_values (if any) go to its container in the same
    transaction."""
    with db.transaction() as session:
        row = models.ContainerAction(**values)
        session.add(row)
        if container_values:
            db.update_container(session, values["container_uuid"],
                                container_values)
        session.flush()
        return row


@db.retried
def action_take(values, container_values, host, taker):
    """Take up the entry of this request (container, request_id, action)
    for `taker`, or begin one when there is none; in one transaction that
    holds the container's row.

    None when the request's newest entry is finished: it was carried out
    already (by this conductor's backlog, or before a redelivery).
    NotThisHost when the record is placed on another host by now.
    """
    uuid = values["container_uuid"]
    with db.transaction() as session:
        placed = session.execute(sa.select(CONTAINERS.c.host).where(
            CONTAINERS.c.uuid == uuid).with_for_update()).first()
        if placed is None:
            raise exception.ContainerNotFound(container=uuid)
        if placed.host is not None and placed.host != host:
            raise exception.NotThisHost(container=uuid, host=placed.host)
        row = None
        if values.get("request_id"):
            row = session.scalars(sa.select(models.ContainerAction).where(
                models.ContainerAction.container_uuid == uuid,
                models.ContainerAction.request_id == values["request_id"],
                models.ContainerAction.action == values["action"])
                .order_by(models.ContainerAction.id.desc())).first()
            if row is not None and row.finish_time is not None:
                return None
        if row is None:
            row = models.ContainerAction(**values)
            session.add(row)
        row.taken_by = taker
        if container_values:
            db.update_container(session, uuid, container_values)
        session.flush()
        return row


@db.retried
def create_withdraw(uuid):
    """Take back a create whose message could not be sent: delete the
    record, its claims and its entries, in one transaction that holds the
    container's row; unless a conductor took the create up already (its
    backlog may, while the sender retries), then leave all and say False."""
    with db.transaction() as session:
        held = session.execute(sa.select(CONTAINERS.c.uuid).where(
            CONTAINERS.c.uuid == uuid).with_for_update()).first()
        if held is None:
            return True
        taken = session.execute(sa.select(ACTIONS.c.id).where(
            ACTIONS.c.container_uuid == uuid,
            ACTIONS.c.action == "create",
            ACTIONS.c.taken_by.is_not(None))).first()
        if taken is not None:
            return False
        db.container_delete(session, uuid)
        return True


@db.retried
def action_finish(action_id, result, message=None, container_uuid=None,
                  container_values=None, events=None, finish_time=None):
    """The end of an action (at finish_time, or now), with its events;
    container_values (if any) are written to container_uuid's record in
    the same transaction."""
    with db.transaction() as session:
        session.execute(sa.update(ACTIONS).where(
            ACTIONS.c.id == action_id).values(
                result=result, message=message, events=events,
                finish_time=finish_time or db.now()))
        if container_values:
            db.update_container(session, container_uuid, container_values)


def action_backlog(host, started_before=None):
    """The unfinished entries of this host's containers, oldest first: the
    API's that no message brought yet, those a conductor of this host took
    before it stopped, and those in progress (the caller tells which)."""
    query = (sa.select(ACTIONS).join(
        CONTAINERS, CONTAINERS.c.uuid == ACTIONS.c.container_uuid).where(
            CONTAINERS.c.host == host, ACTIONS.c.finish_time.is_(None))
        .order_by(ACTIONS.c.id))
    if started_before is not None:
        query = query.where(ACTIONS.c.start_time < started_before)
    return db.read(query)


@db.retried
def action_end_unfinished(container_uuid, message, started_before=None,
                          action=None, result="Error"):
    """End the container's unfinished actions (those started before
    `started_before`, or named `action`) with `result`; how many."""
    query = sa.select(ACTIONS.c.id).where(
        ACTIONS.c.container_uuid == container_uuid,
        ACTIONS.c.finish_time.is_(None))
    if started_before is not None:
        query = query.where(ACTIONS.c.start_time < started_before)
    if action is not None:
        query = query.where(ACTIONS.c.action == action)
    with db.transaction() as session:
        ids = session.scalars(query).all()
        if ids:
            session.execute(sa.update(ACTIONS).where(
                ACTIONS.c.id.in_(ids)).values(
                    result=result, message=message, finish_time=db.now()))
        return len(ids)


def action_unfinished_on(host, started_before):
    """uuids of the host's containers with an entry unfinished since
    before `started_before`."""
    return {uuid for uuid, in db.read(
        sa.select(ACTIONS.c.container_uuid).distinct().join(
            CONTAINERS, CONTAINERS.c.uuid == ACTIONS.c.container_uuid)
        .where(CONTAINERS.c.host == host, ACTIONS.c.finish_time.is_(None),
               ACTIONS.c.start_time < started_before))}


def action_list(container_uuid):
    return db.read(sa.select(ACTIONS).where(
        ACTIONS.c.container_uuid == container_uuid)
        .order_by(ACTIONS.c.id.desc()))


def action_get(container_uuid, request_id):
    rows = db.read(sa.select(ACTIONS).where(
        ACTIONS.c.container_uuid == container_uuid,
        ACTIONS.c.request_id == request_id).order_by(ACTIONS.c.id))
    if not rows:
        raise exception.NotFound("Action %s of container %s could not be "
                                 "found." % (request_id, container_uuid))
    return rows[0]


def action_untaken_creates(host):
    """uuids of the host's records still Creating whose create request no
    conductor has taken up: nothing of them can have reached Docker."""
    return [uuid for uuid, in db.read(
        sa.select(CONTAINERS.c.uuid).join(
            ACTIONS, ACTIONS.c.container_uuid == CONTAINERS.c.uuid)
        .where(CONTAINERS.c.host == host,
               CONTAINERS.c.status == lifecycle.CREATING,
               ACTIONS.c.action == "create",
               ACTIONS.c.finish_time.is_(None),
               ACTIONS.c.taken_by.is_(None))
        .order_by(ACTIONS.c.id))]
