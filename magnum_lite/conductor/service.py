"""The conductor service of one Docker host: its RPC server, heartbeat,
engine watch, status sync, backlog and healer, started and stopped
together."""
import sys
import threading

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import units

from magnum_lite.conductor import backlog
from magnum_lite.conductor import heal
from magnum_lite.conductor import manager
from magnum_lite.conductor import rpcapi
from magnum_lite.conductor import status
from magnum_lite.conductor import sync
from magnum_lite.conductor import wsproxy
from magnum_lite import context as ml_context
from magnum_lite.docker import client as docker_client
from magnum_lite.docker import driver as docker_driver
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import rpc

LOG = logging.getLogger(__name__)


class Conductor:
    """A conductor: the RPC server for one Docker host, and its heartbeat."""

    def __init__(self, conf, transport):
        self.conf = conf
        self.client = docker_client.DockerHTTPClient.from_conf(conf)
        self.driver = docker_driver.DockerDriver(
            self.client, deployment=objects.deployment.identity())
        recorder = status.StatusRecorder(self.driver)
        # To hand a create it could not do to another conductor.
        others = rpcapi.ConductorAPI(transport, conf.conductor.topic)
        self.proxy = None
        if conf.websocket_proxy.enabled:
            self.proxy = wsproxy.Proxy(conf, self.driver.streams)
        self.manager = manager.ConductorManager(conf, self.driver, recorder,
                                                others, proxy=self.proxy)
        self.backlog = backlog.Backlog(conf, self.manager, others)
        self.healer = heal.Healer(conf, self.manager)
        self.sync = sync.Sync(conf, self.driver, recorder, self.backlog,
                              self.healer)
        target = rpc.messaging.Target(topic=conf.conductor.topic,
                                      server=conf.host)
        self.server = rpc.get_server(transport, target, [self.manager])
        self._stopping = threading.Event()
        self._beat_now = threading.Event()
        self._engine_error = None  # why the engine did not answer, or None
        self._heartbeat = threading.Thread(target=self._beat, daemon=True,
                                           name="heartbeat")
        self._engine_watch = threading.Thread(
            target=self._watch_engine, daemon=True, name="engine-watch")

    def start(self):
        engine = self.driver.info()  # fails early when the engine is away
        self._refuse_a_twin()
        self.capacity = capacity(self.conf, engine)
        objects.Service.report(ml_context.admin_context(), self.conf.host,
                               self.conf.conductor.topic, engine,
                               self.capacity)
        if self.proxy is not None:
            self.proxy.start()
        self.server.start()
        self.sync.start()  # its first pass carries out what was left
        self._heartbeat.start()
        self._engine_watch.start()
        self.backlog.start()
        LOG.info("conductor for %s on %s (Docker %s) listening on topic %s",
                 self.conf.host, self.conf.docker.api_url,
                 engine.get("version"), self.conf.conductor.topic)

    def _refuse_a_twin(self):
        """StartupError if another conductor is alive under this host's
        name (two started with one config, a misconfiguration: they would
        take each other's messages and containers). A conductor restarted
        after a crash is never refused: its predecessor's heartbeat has
        stopped, which this tells by watching it for one and a half
        intervals when it was recent."""
        c = self.conf.conductor

        def report_count():
            for s in objects.Service.list(ml_context.admin_context()):
                if s.host == self.conf.host and s.updated_at and (
                        timeutils.utcnow() - s.updated_at).total_seconds() \
                        < c.service_down_time:
                    return s.report_count
            return None

        before = report_count()
        if before is None or self._stopping.wait(1.5 * c.heartbeat_interval):
            return
        if report_count() not in (None, before):
            raise exception.StartupError(
                "[DEFAULT] host: another conductor is running as host %s "
                "(its heartbeat goes on); give each conductor a host name "
                "of its own" % self.conf.host)

    def _beat(self):
        """Report every heartbeat_interval, and at once when the engine's
        state changes. A report that fails (the database away) is tried
        again every half second, so that the first beat after the outage
        comes at once; the gap it leaves is recorded with it (liveness.py
        judges nobody by a gap all shared)."""
        interval = self.conf.conductor.heartbeat_interval
        wait = interval
        while True:
            self._beat_now.wait(wait)
            self._beat_now.clear()
            if self._stopping.is_set():
                return
            try:
                objects.Service.report(
                    ml_context.admin_context(), self.conf.host,
                    self.conf.conductor.topic, capacity=self.capacity,
                    engine_error=self._engine_error,
                    continuous_within=max(
                        1.5 * interval,
                        self.conf.conductor.service_down_time / 2))
                wait = interval
            except Exception as e:
                LOG.warning("heartbeat failed (%s); retrying", e)
                wait = min(0.5, interval)

    def _watch_engine(self):
        """Ask the engine for /_ping every heartbeat_interval (waiting as
        long at most). It must fail twice in a row, 0.2 s apart, to count
        as not answering: a stopped engine refuses both at once, and one
        slow answer under load is no verdict."""
        interval = self.conf.conductor.heartbeat_interval
        while not self._stopping.wait(interval):
            error = None
            for attempt in (1, 2):
                try:
                    self.driver.ping(timeout=interval)
                    error = None
                    break
                except exception.MagnumLiteError as e:
                    error = str(e)
                    if attempt == 1 and self._stopping.wait(0.2):
                        return
            if error != self._engine_error:
                if error is None:
                    LOG.info("the Docker Engine answers again")
                else:
                    LOG.warning("the Docker Engine does not answer: %s",
                                error)
                self._engine_error = error
                self._beat_now.set()

    def stop(self):
        self._stopping.set()
        self._beat_now.set()
        self.server.stop()
        self.server.wait()
        self.backlog.stop()
        self.sync.stop()
        self.healer.stop()
        if self.proxy is not None:
            self.proxy.stop()
        self.client.close()


def capacity(conf, engine_info):
    """What a conductor's host may give out: {memory_mb, cpus, labels}.

    Memory and CPUs as [conductor] declares them, else as the engine
    reports them; memory less the reserve; each times its allocation ratio.
    """
    c = conf.conductor
    memory = c.memory_mb or (engine_info.get("memory") or 0) // units.Mi
    cpus = c.cpus or engine_info.get("cpus") or 0
    return {
        "memory_mb": max(int((memory - c.reserved_host_memory_mb)
                             * c.ram_allocation_ratio), 0),
        "cpus": round(cpus * c.cpu_allocation_ratio, 2),
        "labels": dict(c.labels),
    }


def docker_unavailable_message(conf, error):
    return ("[docker] api_url: no Docker Engine answers at %s (%s). Start "
            "dockerd, or point [docker] api_url at an engine."
            % (conf.docker.api_url, error))


def start(conf, transport, binary):
    """A started conductor; or exit with one line on why it cannot start."""
    # The pool that runs operations: oslo.messaging's threading executor.
    conf.set_override("executor_thread_pool_size", conf.conductor.workers)
    try:
        conductor = Conductor(conf, transport)
        conductor.start()
    except exception.DockerUnavailable as e:
        sys.exit("%s: %s" % (binary, docker_unavailable_message(conf, e)))
    except exception.StartupError as e:
        sys.exit("%s: %s" % (binary, e))
    return conductor
