"""auto_heal: a container that turned unhealthy is restarted, one that
vanished from Docker is made anew, never faster than a back-off."""
import concurrent.futures
import threading
import time

from oslo_log import log as logging
from oslo_utils import uuidutils

from magnum_lite import context as ml_context
from magnum_lite import lifecycle
from magnum_lite import objects

LOG = logging.getLogger(__name__)

UNHEALTHY = "unhealthy"
_RAN = (lifecycle.RUNNING, lifecycle.RESTARTING, lifecycle.PAUSED)
_STATE_ASKED = ("create", "start", "stop", "kill", "reboot", "pause",
                "unpause", "rebuild")


def wanted(container, was):
    """What healing the record needs now that it reads as it does (it
    read `was` before): "reboot", "rebuild" or None."""
    if not container.auto_heal or container.task_state:
        return None
    if (container.status == lifecycle.DELETED and was != lifecycle.DELETED
            and not container.auto_remove):
        return "rebuild"  # removed outside magnum_lite
    if container.status == lifecycle.RUNNING and \
            container.health == UNHEALTHY:
        return "reboot"
    return None


def _meant_to_run(container, was):
    """Whether a vanished container is made anew running: it ran when it
    vanished, or (Docker stops a container it removes, so the record may
    have read Stopped just before) the last state change asked of it was
    not a stop."""
    if was in _RAN:
        return True
    # The log lists the newest first.
    last = next((a for a in objects.ContainerAction.list_for(
        ml_context.admin_context(), container.uuid)
        if a.action in _STATE_ASKED), None)
    if last is None or last.action in ("create", "rebuild"):
        return bool(last and (last.options or {}).get("run"))
    return last.action not in ("stop", "kill", "pause")


class Healer:
    """Heals through the manager's own operations, so each heal is an
    entry of the action log and takes the container's lock like any
    request. The n-th heal in a row of one container waits [conductor]
    auto_heal_backoff * 2^(n-1) seconds after the last, up to
    auto_heal_backoff_max; a heal that is not due yet is tried again
    when it is."""

    def __init__(self, conf, manager):
        self._conf = conf
        self._manager = manager
        self._guard = threading.Lock()
        self._last = {}  # uuid -> (monotonic time of the last heal, n)
        self._timers = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            2, thread_name_prefix="heal")

    def consider(self, container, was):
        """Heal the container if its record says it needs it (see
        wanted()); called with what it read before."""
        action = wanted(container, was)
        if action is None:
            if container.health == "healthy":
                with self._guard:
                    self._last.pop(container.uuid, None)
            return
        with self._guard:
            wait = self._wait(container.uuid)
            if wait > 0:
                if container.uuid not in self._timers:
                    timer = threading.Timer(wait, self._due, (container,
                                                              action, was))
                    timer.daemon = True
                    self._timers[container.uuid] = timer
                    timer.start()
                return
            _, count = self._last.get(container.uuid, (None, 0))
            self._last[container.uuid] = (time.monotonic(), count + 1)
        self._pool.submit(self._heal, container, action, was, count + 1)

    def _wait(self, uuid):
        at, count = self._last.get(uuid, (None, 0))
        if at is None:
            return 0
        conf = self._conf.conductor
        backoff = min(conf.auto_heal_backoff * 2 ** (count - 1),
                      conf.auto_heal_backoff_max)
        if time.monotonic() - at > 2 * conf.auto_heal_backoff_max:
            self._last.pop(uuid)  # fine for long: start over
            return 0
        return at + backoff - time.monotonic()

    def _due(self, container, action, was):
        with self._guard:
            self._timers.pop(container.uuid, None)
        # Read again: it may be healthy, deleted or changed by now.
        try:
            fresh = objects.Container.get(ml_context.admin_context(),
                                          container.uuid)
        except Exception:
            return
        self.consider(fresh, was if fresh.status == container.status
                      else fresh.status)

    def _heal(self, container, action, was, count):
        why = ("auto_heal: %s (heal %d in a row)" % (
            "it was unhealthy" if action == "reboot" else
            "its Docker container had vanished", count))
        LOG.warning("container %s: %s", container.uuid, why)
        context = ml_context.RequestContext(
            request_id="req-" + uuidutils.generate_uuid(),
            project_id=container.project_id, user_id=container.user_id,
            is_admin=True, overwrite=False)
        try:
            if action == "reboot":
                self._manager.reboot(context, container, why=why)
            else:
                self._manager.rebuild(context, container,
                                      run=_meant_to_run(container, was),
                                      why=why)
        except Exception as error:
            # A failure of ours comes inside oslo.messaging's marker
            # (manager._request): say what it holds.
            LOG.warning("auto_heal of %s failed: %s", container.uuid,
                        getattr(error, "exc_info", (None, error))[1])

    def stop(self):
        with self._guard:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
