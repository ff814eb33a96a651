"""Keeps records true when Docker changes on its own.

The event follower reads the engine's event stream and has each event's
container re-read and recorded; the reconcile pass compares every record
of this host with what the engine has, at start, after the stream comes
back, and every [conductor] reconcile_interval seconds. Neither touches a
container while an operation holds its lock: the operation records what
Docker says when it finishes.
"""
import concurrent.futures
import threading
import time

from oslo_log import log as logging

from magnum_lite import context as ml_context
from magnum_lite.docker import driver as docker_driver
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite.objects import container as container_obj

LOG = logging.getLogger(__name__)

# Events after which a container's state may differ from its record.
STATE_EVENTS = frozenset(("start", "die", "oom", "pause", "unpause",
                          "restart", "destroy", "stop", "kill", "create"))
# "health_status: healthy" (or unhealthy, starting): the health changed.
HEALTH_EVENT = "health_status"
# The status a record that has seen the event says. Most events come from
# our own operations, which record what Docker says when they end: when
# the record already shows an event's outcome, Docker is not asked again.
# Any later change comes with an event of its own.
_OUTCOME = {"start": lifecycle.RUNNING, "unpause": lifecycle.RUNNING,
            "pause": lifecycle.PAUSED, "die": lifecycle.STOPPED,
            "stop": lifecycle.STOPPED}


class Sync:

    def __init__(self, conf, driver, status_recorder, backlog=None,
                 healer=None):
        self._conf = conf
        self._backlog = backlog  # carried out after each pass
        self._healer = healer  # told of each record re-read
        self._passes = 0
        self._driver = driver
        self._status = status_recorder
        self._context = ml_context.admin_context()
        self._stopping = threading.Event()
        self._started = time.monotonic()
        # Records are re-read off the stream's thread, so one container
        # busy with a long operation does not hold up everyone's events.
        self._pool = concurrent.futures.ThreadPoolExecutor(
            4, thread_name_prefix="sync")
        # uuid -> (action, Docker id) of the one event waiting for it, or
        # None when several are: those are always re-read.
        self._pending = {}
        self._pending_guard = threading.Lock()
        self._stream = None
        self._exit_codes = {}
        self._threads = [
            threading.Thread(target=self._follow, name="docker-events",
                             daemon=True),
            threading.Thread(target=self._periodic, name="reconcile",
                             daemon=True),
        ]

    def start(self):
        for thread in self._threads:
            thread.start()

    def stop(self):
        self._stopping.set()
        if self._stream is not None:
            self._stream.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for thread in self._threads:
            thread.join(timeout=5)

    # -- the event stream -----------------------------------------------------

    def _follow(self):
        since = None
        delay = 0.5
        while not self._stopping.is_set():
            try:
                self._stream = self._driver.events(since=since)
                # Whatever happened while we were not listening.
                self._pool.submit(self.reconcile)
                for event in self._stream:
                    delay = 0.5
                    since = _event_time(event)
                    self._on_event(event)
                    if self._stopping.is_set():
                        return
                if self._stopping.is_set():
                    return
                LOG.warning("Docker's event stream ended; reconnecting")
            except Exception as e:
                if self._stopping.is_set():
                    return  # stop() closed the stream under us
                if isinstance(e, exception.MagnumLiteError):
                    LOG.warning("Docker's event stream: %s; retrying in "
                                "%.1fs", e, delay)
                else:
                    LOG.exception("following Docker's events failed; "
                                  "retrying")
            self._stopping.wait(delay)
            delay = min(delay * 2, 5)

    def _on_event(self, event):
        if event.get("Type") != "container":
            return
        if (event.get("Action") not in STATE_EVENTS and not
                event.get("Action", "").startswith(HEALTH_EVENT)):
            return
        attributes = (event.get("Actor") or {}).get("Attributes") or {}
        uuid = attributes.get(docker_driver.MANAGED_LABEL)
        if attributes.get(docker_driver.HOST_LABEL) != self._conf.host:
            return
        if event.get("Action") == "die" and "exitCode" in attributes:
            self._exit_codes[uuid] = attributes["exitCode"]
        seen = (event["Action"], (event.get("Actor") or {}).get("ID"))
        with self._pending_guard:
            if uuid in self._pending:
                # A re-read that has not started yet will see this.
                self._pending[uuid] = None
                return
            self._pending[uuid] = seen
        self._pool.submit(self._observe, uuid)

    def _observe(self, uuid):
        with self._pending_guard:
            seen = self._pending.pop(uuid, None)
        with self._status.locks.hold(uuid):
            try:
                container = objects.Container.get(self._context, uuid)
            except exception.ContainerNotFound:
                return  # deleted through us
            if container.task_state or not container.container_id:
                return  # an operation is under way or was interrupted
            if _shows(container, seen):
                return
            was = container.status
            try:
                self._status.record(container, self._exit_codes.get(uuid))
                if container.status == lifecycle.DELETED:
                    self._exit_codes.pop(uuid, None)
            except exception.DockerUnavailable as e:
                LOG.warning("cannot re-read container %s: %s", uuid, e)
                return
        self._heal(container, was)

    def _heal(self, container, was):
        if self._healer is not None:
            self._healer.consider(container, was)

    # -- reconcile ------------------------------------------------------------

    def _periodic(self):
        interval = self._conf.conductor.reconcile_interval
        while not self._stopping.wait(interval):
            try:
                self.reconcile()
            except Exception:
                LOG.exception("reconcile pass failed")

    def reconcile(self):
        """Bring every record of this host in line with the engine."""
        try:
            found = {c["uuid"]: c for c in
                     self._driver.list_managed(host=self._conf.host)}
        except exception.DockerUnavailable as e:
            LOG.warning("reconcile: %s", e)
            return
        records = objects.ContainerList.on_host(self._context,
                                                self._conf.host)
        for record in records:
            # An operation may hold a container for long (a pull): it
            # records the truth itself when done, so skip it this time.
            # A capsule's members go with the capsule's operations.
            key = record.capsule_id or record.uuid
            with self._status.locks.hold(key, timeout=1) as got:
                if got:
                    self._repair(record.uuid, found.pop(record.uuid, None))
                else:
                    found.pop(record.uuid, None)  # in flight: not orphan
        for orphan in found.values():
            if orphan["deployment"] != self._driver.deployment:
                continue  # another deployment's, on a shared engine
            with self._status.locks.hold(orphan["uuid"], timeout=1) as got:
                where = got and _placed_on(self._context, orphan["uuid"])
                if got and where != self._conf.host:
                    # Deleted while this host was lost, or placed again
                    # elsewhere: that copy is the one that counts.
                    LOG.warning("removing Docker container %s: its record "
                                "%s %s", orphan["id"], orphan["uuid"],
                                "is on host %s now" % where if where
                                else "does not exist")
                    self._driver.remove(orphan["id"], force=True)
        self._recount()
        self._passes += 1
        if self._backlog is not None:
            # The first pass of a process does every request left over;
            # later ones those that waited longer than a message takes.
            self._backlog.carry_out(
                None if self._passes == 1 else
                self._conf.conductor.service_down_time)

    def _recount(self):
        # Claims are taken and given back with each record, so this finds
        # nothing to change unless something wrote around them (a crash
        # of the database mid-way, an operator's edit). Logged when it did.
        before = {s.host: s for s in objects.Service.list(self._context)}
        now = objects.Service.recount(
            self._conf.host, self._conf.conductor.default_memory_mb)
        was = before.get(self._conf.host)
        if now and was and (was.memory_used_mb, round(was.cpu_used, 2),
                            was.container_count) != (
                now["memory_used_mb"], round(now["cpu_used"], 2),
                now["container_count"]):
            LOG.warning("reconcile: usage of host %s repaired to %s",
                        self._conf.host, now)

    def _repair(self, uuid, docker):
        """Bring one record in line with Docker (`docker`: what
        list_managed says of it, or None). An interrupted operation's
        task_state is cleared and its request left for the backlog, which
        carries it out again (see backlog.py)."""
        try:
            container = objects.Container.get(self._context, uuid)
        except exception.ContainerNotFound:
            return
        if (container.status == lifecycle.DELETING or
                container.task_state == lifecycle.PENDING_DELETE):
            # A delete was accepted, or interrupted: finish it.
            if container.container_id or docker:
                self._driver.remove((docker or {}).get("id") or
                                    container.container_id, force=True)
            container.destroy()
            LOG.info("reconcile: finished the delete of %s", uuid)
            return
        interrupted = container.task_state
        if interrupted:
            LOG.info("reconcile: %s of %s was interrupted", interrupted,
                     uuid)
            container.task_state = None
        if container.status == lifecycle.CREATING:
            self._repair_create(container, docker)
        elif container.container_id:
            was = container.status
            self._status.record(container, self._exit_codes.pop(uuid, None))
            self._heal(container, was)
        elif container.obj_what_changed():
            container.save()

    def _repair_create(self, container, docker):
        if not docker or container.kind != container_obj.KIND_CONTAINER:
            # Nothing reached Docker: the backlog does the create (again).
            # So it does a capsule's (or a member's) that got part of the
            # way: its sandbox alone is not the capsule, and the create
            # carried out again starts by removing what is left.
            if container.obj_what_changed():
                container.save()
            return
        # The create got as far as Docker: adopt what it made, and start
        # it if the create asked for that and did not get there.
        container.container_id = docker["id"]
        if docker["run"] and docker["status"] == lifecycle.CREATED:
            try:
                self._driver.change_state(docker["id"], "start")
            except exception.MagnumLiteError as e:
                LOG.warning("reconcile: cannot start %s: %s",
                            container.uuid, e)
        self._status.record(container)
        # As Zun, a success has no message; the log below tells it.
        objects.ContainerAction.end_unfinished(
            self._context, container.uuid, None, action="create",
            result=objects.container_action.SUCCESS)
        LOG.info("reconcile: adopted Docker container %s for %s",
                 docker["id"], container.uuid)


def _shows(container, seen):
    """Whether the record already shows the outcome of the one event seen:
    (action, Docker id), or None for several events."""
    if seen is None:
        return False
    action, docker_id = seen
    if docker_id != container.container_id:
        return False
    if action == "create":
        return True  # the record knows the container Docker made
    return _OUTCOME.get(action) == container.status


def _event_time(event):
    nanos = event.get("timeNano")
    if nanos is None:
        return str(event.get("time"))
    return "%d.%09d" % divmod(int(nanos), 10 ** 9)


def _placed_on(context, uuid):
    """The host the record is placed on; None when there is no record."""
    try:
        return objects.Container.get(context, uuid).host
    except exception.ContainerNotFound:
        return None
