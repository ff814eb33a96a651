"""Carries out what the action log holds and no message brought: the
requests of this host that no conductor process took up, or that one took
up and could not end (it died, or the database went away under it), and
the creates of lost hosts that nobody took.

oslo.messaging acknowledges a message when the conductor receives it, so a
conductor that dies loses what it had taken; the API enters every request
in the action log before its cast. The cast stays the fast path: whichever
of the two takes a request up first does it (db/actions.py action_take),
the other finds it done. docs/status.md says how each is safe to repeat.
"""
import threading

from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_lite import context as ml_context
from magnum_lite import exception
from magnum_lite import intent
from magnum_lite import liveness
from magnum_lite import objects

LOG = logging.getLogger(__name__)

# The requests the backlog can carry out: the manager's cast operations.
REDOABLE = ("create", "start", "stop", "reboot", "pause", "unpause", "kill",
            "delete", "rebuild")


class Backlog:

    def __init__(self, conf, manager, others=None):
        self._conf = conf
        self._manager = manager
        self._others = others  # ConductorAPI: creates placed elsewhere
        self._admin = ml_context.admin_context()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name="lost-hosts")

    def start(self):
        self._thread.start()

    def stop(self):
        self._stopping.set()
        self._thread.join(timeout=5)

    # -- this host's requests -------------------------------------------------

    def carry_out(self, older_than=None):
        """Do every unfinished request of this host's containers (those
        started over older_than seconds ago, if given), oldest first,
        except those an operation of this process is doing now; how many
        were tried."""
        tried = 0
        for entry in objects.ContainerAction.backlog(
                self._admin, self._conf.host, older_than):
            if (entry.taken_by == self._manager.incarnation and
                    self._manager.busy(entry.container_uuid)):
                continue  # in progress here: it ends its own entry
            self._carry_out(entry)
            tried += 1
        return tried

    def _carry_out(self, entry):
        uuid = entry.container_uuid
        if entry.action not in REDOABLE or entry.request_id is None:
            # A call (update, rename) whose caller has long had its
            # answer, an error: it cannot be done again from here.
            objects.ContainerAction.end_unfinished(
                self._admin, uuid, "The conductor stopped before it "
                "finished; the status is what Docker says now. Ask again.",
                action=entry.action)
            return
        try:
            container = objects.Container.get(self._admin, uuid)
        except exception.ContainerNotFound:
            return
        context = ml_context.RequestContext(
            request_id=entry.request_id, project_id=entry.project_id,
            user_id=entry.user_id, is_admin=True, overwrite=False)
        LOG.info("carrying out %s of %s (request %s) from the action log",
                 entry.action, uuid, entry.request_id)
        try:
            getattr(self._manager, entry.action)(context, container,
                                                 **(entry.options or {}))
        except messaging.ExpectedException as e:
            # The operation has ended the entry with the reason, and said
            # it (manager._request); this is its error, around which
            # oslo.messaging's marker is.
            LOG.info("%s of %s from the action log ended in error: %s",
                     entry.action, uuid, e.exc_info[1])
        except exception.MagnumLiteError as e:
            LOG.warning("%s of %s from the action log: %s", entry.action,
                        uuid, e)
        except Exception:
            LOG.exception("%s of %s from the action log failed",
                          entry.action, uuid)

    # -- other hosts, lost ---------------------------------------------------

    def _watch(self):
        interval = self._conf.conductor.heartbeat_interval
        while not self._stopping.wait(interval):
            try:
                self.tend_lost_hosts()
            except Exception:
                LOG.exception("looking after lost hosts failed")

    def tend_lost_hosts(self, now=None):
        """Place again the creates nobody took on hosts lost for over
        [conductor] replace_after; end in error the requests of hosts lost
        for over request_timeout. Every live conductor does this; the
        moves are conditional, so each create moves once."""
        c = self._conf.conductor
        now = now or liveness.utcnow()
        losses = objects.Service.losses(self._admin, c.service_down_time)
        if self._conf.host in losses:
            return  # this one may be the one cut off: leave it to others
        for host, loss in losses.items():
            if loss.kind == liveness.CONDUCTOR:
                objects.Service.judge_lost(loss)
            lost_for = (now - loss.since).total_seconds() if loss.since \
                else float("inf")
            if lost_for > c.replace_after:
                for uuid in objects.ContainerAction.untaken_creates(
                        self._admin, host):
                    self._place_again(uuid, loss)
            if lost_for > c.request_timeout:
                for uuid in objects.ContainerAction.unfinished_on(
                        self._admin, host, c.request_timeout):
                    objects.ContainerAction.end_unfinished(
                        self._admin, uuid, "Host %s has been lost for over "
                        "%d s (%s); nothing was done. Ask again." % (
                            host, c.request_timeout, loss.reason),
                        older_than=c.request_timeout)

    def _place_again(self, uuid, loss):
        try:
            container = objects.Container.get(self._admin, uuid)
        except exception.ContainerNotFound:
            return
        # The untaken entry goes on with its request, to the next host.
        entry = [e for e in objects.ContainerAction.list_for(
            self._admin, uuid) if e.action == "create" and
            e.finish_time is None]
        context = ml_context.RequestContext(
            request_id=entry[0].request_id if entry else None,
            project_id=container.project_id, user_id=container.user_id,
            is_admin=True, overwrite=False)
        intent.place_again(
            context, self._conf, self._others, container, loss.host,
            f"placed again: host {loss.host} was lost before it took the "
            f"create ({loss.reason})",
            run=bool(entry and (entry[0].options or {}).get("run")),
            lost=True)
