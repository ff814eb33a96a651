"""The one writer of a container's status once it exists: it asks Docker.

Operations (manager), the event follower and the reconcile pass (sync) all
write status through a StatusRecorder, under the container's lock, so they
never race and never guess.
"""
import contextlib
import threading

from magnum_lite import exception
from magnum_lite import lifecycle


class KeyedLocks:
    """One lock per container uuid, dropped when nobody holds or waits."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks = {}

    @contextlib.contextmanager
    def hold(self, key, timeout=None):
        """Yield True holding key's lock; with a timeout (seconds), yield
        False when someone else held it all that time."""
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        acquired = lock.acquire(timeout=-1 if timeout is None else timeout)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def busy(self, key):
        """Whether someone holds or waits for key's lock now."""
        with self._guard:
            return key in self._locks


class StatusRecorder:

    def __init__(self, driver):
        self.driver = driver
        self.locks = KeyedLocks()

    def record(self, container, exit_code=None, save=True):
        """Set what Docker says of the container now, and save it unless
        the caller saves later. exit_code is the last one an event
        reported, for a container Docker has removed."""
        try:
            status, state = self.driver.status(container.container_id)
            _set(container, status=status, status_reason=reason(state),
                 status_detail=None,
                 health=(state.get("Health") or {}).get("Status"))
        except exception.DockerNotFound:
            _set(container, status=lifecycle.DELETED,
                 status_reason=gone_reason(container, exit_code),
                 container_id=None, status_detail=None, health=None)
        if save:
            container.save()  # writes nothing when nothing changed

    def fail(self, container, error):
        """Save the outcome of an operation that raised `error`."""
        container.task_state = None
        if (isinstance(error, exception.Invalid) and
                container.status not in lifecycle.TRANSIENT):
            # Docker refused the request: the container is as it was, and
            # the refusal is in the action log (and with a call's caller).
            container.save()
            return
        status = lifecycle.ERROR
        if container.container_id and not isinstance(
                error, exception.DockerUnavailable):
            try:
                status, _state = self.driver.status(container.container_id)
            except exception.MagnumLiteError:
                pass
        container.status = status
        container.status_reason = str(error)
        container.status_detail = None
        container.save()


def _set(container, **values):
    # Only what differs: an unchanged record is not written again.
    for name, value in values.items():
        if getattr(container, name) != value:
            setattr(container, name, value)


def reason(state):
    """What a tenant should read about a container that is not running."""
    if not state or state.get("Running"):
        return None
    if state.get("OOMKilled"):
        return "OOMKilled (exit code %s)" % state.get("ExitCode")
    if state.get("Error"):
        return state["Error"]
    if state.get("Status") in ("exited", "dead"):
        return "Exited with code %s" % state.get("ExitCode")
    return None


def gone_reason(container, exit_code=None):
    if container.auto_remove:
        code = "" if exit_code is None else " with code %s" % exit_code
        return "Exited%s; Docker removed it (auto_remove)" % code
    return "Removed from Docker outside magnum_lite"
