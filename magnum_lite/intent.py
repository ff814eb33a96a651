"""A request's intent, from decision to message: where a new container
goes, what it claims of its host and its project's quota, its record and
its action-log entry, written in one transaction; then the cast. The API's
handlers, the conductor's retry and the backlog all come here; nothing
else places a container or enters a request.

The entry is written before the message is sent, so a message that is lost
leaves a request that the host's conductor carries out from the log
(conductor/backlog.py); docs/status.md tells the whole story.
"""
import random

from oslo_log import log as logging
from oslo_utils import uuidutils

from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite import scheduler

LOG = logging.getLogger(__name__)

_WORDS = ("amber", "birch", "cedar", "delta", "ember", "fjord", "grove",
          "heron", "iris", "juniper", "kestrel", "lotus", "maple", "nova",
          "otter", "pine", "quartz", "raven", "sage", "tide", "umber",
          "vale", "willow", "yarrow", "zephyr")


def create(context, conf, conductor, values, run=False, hints=None,
           host=None, volumes=(), files=(), members=()):
    """Place, claim, check the quota, record and send a new container.

    values: the record's fields (checked by the caller); host: one an admin
    asked for; volumes: (name, destination) of the project's named volumes
    to mount, made when missing, on the host that holds them; files: the
    bind mounts that inject files. For a capsule, members: (label, values,
    volumes) of each member, recorded with it on its host under the name
    "<capsule>-<label>"; the capsule's values claim for them all. The
    container, Creating on its host, or the one an earlier create with the
    same Idempotency-Key made.
    """
    claim = scheduler.claim_for(conf, values["memory"], values["cpu"])
    hints = hints or {}
    with objects.together():
        ids, pinned, new_volumes = _volumes(context, list(volumes) + [
            pair for _, _, pairs in members for pair in pairs])
        mounts = _mounts(volumes, ids)
        if mounts or files:
            values["mounts"] = list(mounts) + list(files)
        if pinned is not None and host not in (None, pinned):
            raise exception.Conflict(
                reason=f"The volumes live on host {pinned}, not on {host}.")
        try:
            hosts = scheduler.plan(context, conf, claim, hints,
                                   host or pinned, values.get("runtime"))
        except (exception.HostNotFound, exception.NoConductor,
                exception.NoValidHost) as error:
            if pinned is None:
                raise
            raise _pinned_reason(error, ids, pinned)
        # A host asked for, or the one the volumes are on, is kept: the
        # create is not placed elsewhere should that host fail it.
        placement = {"hints": hints, "forced": (host or pinned) is not None}
        limits = objects.quota.limits(conf, context.project_id)
        container, new = _record(context, values, hosts, claim, limits,
                                 placement)
        if not new:
            return container
        for name, uuid in new_volumes.items():
            objects.Volume(context, uuid=uuid, name=name,
                           project_id=context.project_id,
                           user_id=context.user_id, host=container.host,
                           created_for=container.uuid).create()
        for label, member, pairs in members:
            objects.Container(
                context, status=lifecycle.CREATING,
                project_id=context.project_id, user_id=context.user_id,
                name=f"{container.name}-{label}", host=container.host,
                capsule_id=container.uuid,
                mounts=_mounts(pairs, ids) or None, **member).create()
        objects.ContainerAction.begin(context, container.uuid, "create",
                                      options={"run": run})
    try:
        conductor.create(context, container, run=run)
    except Exception as error:
        # Leave no record a conductor never builds (one the message
        # reaches later finds none and does nothing); but one whose
        # backlog took the create up while this retried is building it.
        if container.withdraw():
            for uuid in new_volumes.values():
                objects.Volume(context, uuid=uuid).destroy()
            raise
        LOG.info("create of %s: not sent (%s), but its conductor has taken "
                 "it up from the action log", container.uuid, error)
    return container


def send(context, conductor, container, action, mark=None, **options):
    """Ask `container`'s conductor for `action`, entered in the action log
    first (with `mark`, a task_state, in the same write); the conductor
    ends the entry. A message that cannot be sent ends it with the error,
    clears the mark, and raises."""
    if mark is not None:
        container.task_state = mark
    entry = objects.ContainerAction.begin(context, container.uuid, action,
                                          container, options=options)
    try:
        getattr(conductor, action)(context, container, **options)
    except Exception as error:
        if mark is not None:
            container.task_state = None
        entry.finish(error, container=container)
        raise


def resize(context, conf, conductor, container, limits):
    """Change a container's memory and CPU ({memory, cpu}, either): the
    new claim is taken first (a raise that does not fit its host or its
    project's quota is refused before Docker sees it) and given back if
    the change fails. The container as its conductor saved it."""
    after = scheduler.claim_for(conf, limits.get("memory", container.memory),
                                limits.get("cpu", container.cpu))
    quota = objects.quota.limits(conf, container.project_id)
    before = container.claim(*after, quota)
    try:
        return conductor.update(context, container, limits)
    except Exception:
        if before[0] is not None:
            container.claim(*before, {name: -1 for name in quota})
        raise


def place_again(context, conf, conductor, container, leaving, reason,
                run=False, lost=False):
    """Move a create off the host `leaving` to the best other host that
    has not tried it, and send it there; the new host, or None when it
    stays (pinned there, placed without a claim, tried on [conductor]
    max_attempts hosts, or no other host fits).

    leaving failed the create for a reason of its own, whose entry says
    why: the next host's attempt gets an entry of its own. With lost=True
    it was lost before any conductor took the create up: only while that
    still holds (the record's row lock orders it against the lost host's
    conductor), and the untaken entry goes on with the request.
    """
    placement = container.placement()
    tried = placement.get("tried", []) + [leaving]
    if (conductor is None or placement.get("forced") or
            not placement.get("claim") or
            (not lost and len(tried) >= conf.conductor.max_attempts)):
        return None
    try:
        hosts = [h for h in scheduler.plan(
            context, conf, placement["claim"], placement.get("hints"))
            if h not in tried]
    except exception.MagnumLiteError as error:
        LOG.info("cannot place %s again yet: %s", container.uuid, error)
        return None
    host = container.replace(hosts, reason,
                             moved_from=leaving if lost else None) \
        if hosts else None
    if host is None:
        return None
    LOG.warning("create of %s moved from %s to %s: %s", container.uuid,
                leaving, host, reason)
    if not lost:
        objects.ContainerAction.begin(context, container.uuid, "create",
                                      options={"run": run})
    try:
        conductor.create(context, container, run=run)
    except Exception as error:
        # Entered already: that host's backlog carries it out.
        LOG.warning("create of %s: not sent to %s (%s); its conductor "
                    "takes it from the action log", container.uuid, host,
                    error)
    return host


def _record(context, values, hosts, claim, limits, placement, attempts=5):
    """(the record, whether it is new): written on the first of hosts
    where the claim fits, with a generated name unless one was given."""
    generated = values["name"] is None
    for _ in range(attempts):
        if generated:
            values["name"] = (f"ml-{random.choice(_WORDS)}-"
                              f"{random.getrandbits(16):04x}")
        container = objects.Container(
            context, status=lifecycle.CREATING,
            project_id=context.project_id, user_id=context.user_id,
            **values)
        try:
            # A retry with the same Idempotency-Key gets the first record.
            new = container.create(hosts, claim, limits, placement)
        except exception.ContainerNameExists:
            if not generated:
                raise
            continue
        if new is None:
            raise scheduler.no_room(hosts, claim)
        return container, new
    raise exception.Conflict(reason="Could not find a free name; name "
                                    "the container.")


def _volumes(context, volumes):
    """({name: uuid} of every volume named, the host they pin the
    container to or None, {name: uuid} of the volumes to make). A volume
    already made lives on one host, and every container mounting it must
    run there."""
    if not volumes:
        return {}, None, {}
    found = objects.Volume.named(context, context.project_id,
                                 [name for name, _ in volumes])
    hosts = {volume.host for volume in found.values()}
    if len(hosts) > 1:
        where = ", ".join(f"{v.name} on {v.host}" for v in sorted(
            found.values(), key=lambda v: v.name))
        raise exception.Conflict(
            reason=f"These volumes live on different hosts ({where}); a "
                   "container can only mount volumes of one host.")
    new = {name: uuidutils.generate_uuid() for name, _ in volumes
           if name not in found}
    ids = dict(new, **{name: v.uuid for name, v in found.items()})
    return ids, (hosts.pop() if hosts else None), new


def _mounts(volumes, ids):
    """The record's mounts of (name, destination) pairs."""
    return [{"source": name, "destination": destination,
             "volume_id": ids[name]} for name, destination in volumes]


def _pinned_reason(error, ids, host):
    """A placement error for a container its volumes pin to `host`,
    saying so."""
    names = ", ".join(sorted(ids))
    return exception.Conflict(
        reason=f"The volumes {names} live on host {host}, where this "
               f"container cannot go now: {error}")
