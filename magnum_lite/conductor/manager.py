"""The conductor's RPC endpoint: every container operation, done on Docker.

After the API has written a new record, this is the only place that writes
a container's status. Operations on one container never interleave: each
holds that container's lock from reading the record to saving it.
"""
import contextlib
import datetime
import functools

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import units
from oslo_utils import uuidutils

from magnum_lite.conductor import build
from magnum_lite.conductor import calls
from magnum_lite.conductor import capsule
from magnum_lite.conductor import rpcapi
from magnum_lite import exception
from magnum_lite import intent
from magnum_lite import lifecycle
from magnum_lite import objects
from magnum_lite.objects import container as container_obj

LOG = logging.getLogger(__name__)

# The status a state change leaves: a request whose container is in it
# already is done (carried out before a crash, or it happened by itself).
_OUTCOME = {"start": lifecycle.RUNNING, "unpause": lifecycle.RUNNING,
            "stop": lifecycle.STOPPED, "kill": lifecycle.STOPPED,
            "pause": lifecycle.PAUSED}


class _Steps(list):
    """What an operation did, for the action log; and when its request
    was made (asked_at, the entry's start)."""

    def __init__(self, asked_at):
        super().__init__()
        self.asked_at = asked_at


class _Done(Exception):
    """The request was carried out already: nothing is left to do."""


def _request(method):
    """An operation a cast (or the backlog) asks for: one carried out
    already, or for a record that is placed on another host by now, is
    done here without a word to the caller. Any other failure of ours is
    said in one WARNING line and goes on to a caller as itself (a call of
    the same method shows the typed error; oslo.messaging logs it at
    debug, not as an ERROR with a traceback, and hands a direct caller,
    the backlog or auto_heal, an ExpectedException around it)."""
    @messaging.expected_exceptions(exception.MagnumLiteError)
    @functools.wraps(method)
    def run(self, context, container, *args, **kwargs):
        try:
            return method(self, context, container, *args, **kwargs)
        except _Done:
            LOG.info("%s of %s: carried out already", method.__name__,
                     container.uuid)
        except exception.NotThisHost as e:
            LOG.info("%s of %s: not done here: %s", method.__name__,
                     container.uuid, e)
        except exception.MagnumLiteError as e:
            if not getattr(e, "logged", False):
                LOG.warning("%s of container %s failed: %s",
                            method.__name__, container.uuid, e.message)
            raise
    # oslo.messaging's wrapper keeps no name or signature of its own.
    return functools.wraps(method)(run)

# What a create can fail of on this host that another host may not: the
# engine away or failing (not a refusal of the request, not an image that
# is nowhere, which are the tenant's).
_HOST_FAILURES = (exception.DockerUnavailable, exception.DockerError)


class ConductorManager(calls.Calls):
    target = messaging.Target(namespace=rpcapi.NAMESPACE,
                              version=rpcapi.VERSION)

    def __init__(self, conf, driver, status_recorder, others=None,
                 incarnation=None, proxy=None):
        self._conf = conf
        self._driver = driver
        self._proxy = proxy  # wsproxy.Proxy, for interactive sessions
        self._status = status_recorder
        self._others = others  # ConductorAPI: creates we hand on
        # This process, as the action log names who took a request up.
        self.incarnation = incarnation or "%s:%s" % (
            conf.host, uuidutils.generate_uuid()[:8])

    def busy(self, uuid):
        """Whether an operation of this process holds (or waits for) the
        container now."""
        return self._status.locks.busy(uuid)

    @contextlib.contextmanager
    def _operation(self, context, container, action, allowed=None):
        """Lock, re-read, check the lifecycle, take the request's entry up
        in the action log (with the task_state, in one write); then save
        what the operation left in the record with the end of the entry
        (one write). On failure leave the record with what Docker says and
        the reason why. A request carried out already raises _Done; one
        for a record placed elsewhere since, NotThisHost."""
        with self._status.locks.hold(container.uuid):
            container = objects.Container.get(context.elevated(),
                                              container.uuid)
            if container.host not in (None, self._conf.host):
                raise exception.NotThisHost(container=container.uuid,
                                            host=container.host)
            try:
                lifecycle.check(allowed or action, container)
            except exception.ActionNotAllowed as error:
                if action == "create":  # a create delivered twice: done
                    raise _Done() from error
                self._refused(context, container, action, error)
                raise
            container.task_state = action
            record = objects.ContainerAction.take(
                context, container.uuid, action, container,
                self._conf.host, self.incarnation)
            if record is None:
                raise _Done()
            steps = _Steps(record.start_time)
            try:
                yield container, steps
            except Exception as error:
                LOG.warning("%s of container %s failed: %s", action,
                            container.uuid, getattr(error, "message", error))
                error.logged = True
                record.finish(error, steps)
                self._status.fail(container, error)
                raise
            # The action log keeps no message on success (as Zun); the
            # steps are told here.
            LOG.info("%s of container %s: %s", action, container.uuid,
                     "; ".join(steps) or "done")
            if container.status == lifecycle.DELETED:
                record.finish(steps=steps)
            else:
                container.task_state = None
                record.finish(steps=steps, container=container)

    def _refused(self, context, container, action, error):
        # The status changed since the caller looked: the refusal ends the
        # request's entry (the API's, if it began one), and a refused
        # delete takes the API's mark away with it, or the reconcile pass
        # would carry the delete out. When the status already is what the
        # action leads to (a stop carried out before a crash, a container
        # that stopped by itself), the request is done, not refused.
        if (action == "delete" and
                container.task_state == lifecycle.PENDING_DELETE):
            container.task_state = None
        try:
            record = objects.ContainerAction.take(
                context, container.uuid, action, None, self._conf.host,
                self.incarnation)
            if record is None:  # carried out already, and ended
                raise _Done() from error
            if _OUTCOME.get(action) == container.status:
                LOG.info("%s of container %s: it was %s already", action,
                         container.uuid, container.status)
                record.finish(container=container)
                raise _Done() from error
            record.finish(error, container=container)
        except _Done:
            raise
        except Exception:
            # The caller still hears the refusal, not this.
            LOG.exception("cannot record that %s of container %s was "
                          "refused", action, container.uuid)

    def _sync_status(self, container):
        # _operation saves it, with the task cleared, in one write.
        self._status.record(container, save=False)

    # -- create ---------------------------------------------------------------

    @_request
    def create(self, context, container, run=False):
        try:
            self._create(context, container, run)
        except _HOST_FAILURES as error:
            if not self._place_again(context, container, run, error):
                raise

    def _place_again(self, context, container, run, error):
        """After this host failed a create for a reason of its own: place
        it on another that has not tried (intent.place_again); whether it
        was handed on."""
        try:
            container = objects.Container.get(context.elevated(),
                                              container.uuid)
        except exception.ContainerNotFound:
            return True  # deleted meanwhile: nothing left to place
        attempt = len(container.placement().get("tried", [])) + 1
        reason = (f"attempt {attempt} on {self._conf.host} failed "
                  f"({error}); placed again")
        return intent.place_again(context, self._conf, self._others,
                                  container, self._conf.host, reason,
                                  run=run) is not None

    def _create(self, context, container, run):
        with self._operation(context, container,
                             "create") as (container, steps):
            if container.kind == container_obj.KIND_CAPSULE:
                capsule.create(self._conf, self._driver, self._status,
                               container, objects.ContainerList.members(
                                   context.elevated(), container.uuid),
                               steps)
                container.status_detail = None
                return
            created = None
            try:
                image = build.pull(self._conf, self._driver, container,
                                   steps)
                mounts = build.volumes(self._driver, container, steps)
                created = self._driver.create(build.spec(
                    self._conf, container, image, run, mounts))
                steps.append("created Docker container %s" % created[:12])
                build.inject_files(self._driver, container, created, steps)
                # Not saved yet: should we die before the end, the reconcile
                # pass finds this container by its uuid label.
                container.container_id = created
                container.status = lifecycle.CREATED
                container.status_reason = None
                container.status_detail = None
                if run:
                    self._driver.change_state(created, "start")
                    steps.append("started")
                    self._sync_status(container)
            except Exception:
                if created:
                    # A create that fails anywhere fails whole: no Docker
                    # container stays behind, and the record ends in Error.
                    self._driver.remove(created, force=True)
                    steps.append("removed it again")
                    container.container_id = None
                    container.status = lifecycle.CREATING
                # Nor a volume only this create made.
                build.forget_volumes(self._driver, container)
                raise

    # -- rebuild --------------------------------------------------------------

    @_request
    def rebuild(self, context, container, image=None, run=False, why=None):
        """A new Docker container for the record, from `image` if given:
        the same uuid, name, volumes and limits; started if `run`. `why`
        says what asked for it (auto_heal), for the action log."""
        with self._operation(context, container,
                             "rebuild") as (container, steps):
            if why:
                steps.append(why)
            if image:
                container.image = image
            # Pulled before anything is removed: an image that cannot be
            # had leaves the old container as it was.
            pulled = build.pull(self._conf, self._driver, container, steps)
            mounts = build.volumes(self._driver, container, steps)
            # By its name: the old one, or the new one of a rebuild that
            # stopped half-way and is carried out again.
            if self._driver.remove(build.docker_name(container), force=True):
                steps.append("removed the old Docker container")
            container.container_id = None
            created = self._driver.create(build.spec(
                self._conf, container, pulled, run, mounts))
            steps.append("created Docker container %s" % created[:12])
            container.container_id = created
            build.inject_files(self._driver, container, created, steps)
            if run:
                self._driver.change_state(created, "start")
                steps.append("started")
            self._sync_status(container)

    # -- state changes --------------------------------------------------------

    def _change_state(self, context, container, action, why=None,
                      **options):
        with self._operation(context, container,
                             action) as (container, steps):
            if why:
                steps.append(why)
            if action == "reboot" and self._started_since(
                    container, steps.asked_at):
                # Carried out again after a crash that came after Docker
                # restarted it: a reboot is done once.
                steps.append("it had restarted since the request already")
            else:
                self._driver.change_state(container.container_id, action,
                                          **options)
            self._sync_status(container)

    def _started_since(self, container, when):
        """Whether Docker (re)started the container after `when`."""
        started = (self._driver.inspect(container.container_id).get(
            "State") or {}).get("StartedAt") or ""
        try:
            at = datetime.datetime.fromisoformat(started[:26].rstrip("Z"))
        except ValueError:
            return False
        return when is not None and at > when

    @_request
    def start(self, context, container):
        self._change_state(context, container, "start")

    @_request
    def stop(self, context, container, timeout=lifecycle.STOP_TIMEOUT):
        self._change_state(context, container, "stop", timeout=timeout)

    @_request
    def reboot(self, context, container, timeout=lifecycle.STOP_TIMEOUT,
               why=None):
        """why: what asked for it (auto_heal), for the action log."""
        self._change_state(context, container, "reboot", why=why,
                           timeout=timeout)

    @_request
    def pause(self, context, container):
        self._change_state(context, container, "pause")

    @_request
    def unpause(self, context, container):
        self._change_state(context, container, "unpause")

    @_request
    def kill(self, context, container, signal=None):
        self._change_state(context, container, "kill", signal=signal)

    @_request
    def delete(self, context, container, force=False, stop=False):
        try:
            self._delete(context, container, force, stop)
        except exception.ContainerNotFound:
            # The reconcile pass finished this accepted delete first.
            LOG.info("container %s is already deleted", container.uuid)

    def _delete(self, context, container, force, stop):
        allowed = ("delete_force" if force else
                   "delete_stop" if stop else "delete")
        with self._operation(context, container, "delete",
                             allowed=allowed) as (container, _):
            container.status = lifecycle.DELETING
            container.save()
            if container.kind == container_obj.KIND_CAPSULE:
                members = objects.ContainerList.members(context.elevated(),
                                                        container.uuid)
                for member in members:
                    # Its events are not recorded any more.
                    member.task_state = lifecycle.PENDING_DELETE
                    member.save()
                capsule.delete(self._driver, container, members)
            elif container.container_id:
                if stop and not force:
                    self._driver.change_state(
                        container.container_id, "stop",
                        timeout=lifecycle.STOP_TIMEOUT)
                self._driver.remove(container.container_id, force=True)
            container.destroy()
            container.status = lifecycle.DELETED

    @calls.call
    def update(self, context, container, patch):
        with self._operation(context, container, "update") as (container, _):
            memory = patch.get("memory")
            cpu = patch.get("cpu")
            self._driver.update(container.container_id,
                                memory=memory * units.Mi if memory else None,
                                cpu=cpu)
            if memory:
                container.memory = memory
            if cpu:
                container.cpu = cpu
            container.save()
            return container

    @calls.call
    def rename(self, context, container, name):
        with self._operation(context, container, "rename") as (container, _):
            # Docker's name is derived from the uuid: only the record changes.
            container.name = name
            container.save()
            return container
