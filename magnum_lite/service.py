"""What every magnum_lite process does at start: config, logging, checks,
and the conductor service with its heartbeat."""
import gc
import os
import re
import signal
import subprocess
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import timeutils

from magnum_lite import conf as ml_conf
from magnum_lite import context as ml_context
from magnum_lite.db import api as db
from magnum_lite import exception
from magnum_lite import objects
from magnum_lite import rpc

LOG = logging.getLogger(__name__)


class StartupError(Exception):
    """A configuration the process cannot run with; one line for the user."""


# Sections that other libraries register on our ConfigOpts only when they
# start (keystonemiddleware's, oslo.policy's): never warned about.
LATE_SECTIONS = frozenset({"keystone_authtoken", "oslo_policy"})


def load_config(argv, default_config_files=None, description=None):
    """Parse the command line and config files into a new ConfigOpts."""
    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf(argv, project="magnum_lite",
         default_config_files=default_config_files, description=description)
    return conf


def _readable(error):
    """oslo.config's words for a bad value, without its internals (it
    names the file as "LocationInfo(location=<...>, detail='F')")."""
    return re.sub(r"from LocationInfo\(.*?detail='([^']*)'\)", r"in \1",
                  str(error))


def unknown_options(conf):
    """["[section] option", ...] set in the config files that nothing
    reads: a misspelling, usually."""
    found = []
    for path in conf.config_file:
        sections = {}
        try:
            cfg.ConfigParser(path, sections).parse()
        except (OSError, cfg.ParseError):
            continue  # oslo.config has said so already
        for section, options in sections.items():
            if section in LATE_SECTIONS:
                continue
            group = None if section == "DEFAULT" else section
            if group is not None and group not in conf:
                found.append("[%s]" % section)
                continue
            for name in options:
                if name not in (conf[group] if group else conf):
                    found.append("[%s] %s" % (section, name))
    return found


def check_config(conf):
    """Read every option once, so a bad value stops us now, by name."""
    for group, opts in ml_conf.GROUPS:
        section = conf[group] if group else conf
        for opt in opts:
            try:
                getattr(section, opt.dest)
            except (cfg.Error, ValueError) as e:
                raise StartupError("[%s] %s: %s" % (
                    group or "DEFAULT", opt.name, _readable(e)))
    for name in ("ca_file", "cert_file", "key_file"):
        path = conf.docker[name]
        if path and not os.access(path, os.R_OK):
            raise StartupError("[docker] %s: cannot read %s" % (name, path))


def setup(argv, binary, description=None):
    """Config, logging, SIGHUP reload and the database: the common start of
    every process. Exits with one clear line when the setup is wrong."""
    limit_malloc_arenas()
    try:
        conf = load_config(argv, description=description)
        check_config(conf)
    except (cfg.Error, StartupError) as e:
        sys.exit("%s: %s" % (binary, _readable(e)))
    logging.setup(conf, "magnum_lite")
    for unknown in unknown_options(conf):
        LOG.warning("%s in the config files is not an option of "
                    "magnum_lite: ignored (misspelled?)", unknown)
    _reload_on_sighup(conf)
    url = ml_conf.database_url(conf)
    if url.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(url[len("sqlite:///"):]) or ".",
                    exist_ok=True)
    try:
        db.configure(url, max_pool_size=conf.database.max_pool_size,
                     sqlite_busy_timeout=conf.database.sqlite_busy_timeout)
    except Exception as e:
        sys.exit("%s: [database] connection: %s" % (
            binary, db.connection_error(e)))
    return conf


def in_process_bus(conf, binary):
    """Exit with one line when a process that serves only one side of the
    bus (the API or a conductor) is on the in-process bus, which reaches
    nothing outside this process: every request would wait for a
    conductor that cannot hear it."""
    if conf.transport_url.startswith("kombu+memory:"):
        sys.exit("%s: [DEFAULT] transport_url is the in-process bus (%s), "
                 "which reaches no other process: run magnum-lite-all for "
                 "the API and a conductor in one process, or give every "
                 "process the same rabbit:// URL" % (
                     binary, conf.transport_url))


def transport(conf, binary):
    """The message bus, once the broker was seen to answer and to take our
    exchange as configured; else exit with one line."""
    problem = rpc.check_broker(conf)
    if problem:
        sys.exit("%s: %s" % (binary, problem))
    return rpc.get_transport(conf)


def limit_malloc_arenas(arenas=2):
    """Cap glibc's malloc arenas for this threaded process.

    glibc gives each thread that allocates its own arena (up to 8 per
    core), and a thread pool of a WSGI server and an RPC executor keeps
    tens of them half full: resident memory grows by tens of MiB for no
    speed a GIL-bound process can use. Same as MALLOC_ARENA_MAX=2.
    """
    import ctypes
    import ctypes.util

    M_ARENA_MAX = -8
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).mallopt(M_ARENA_MAX, arenas)
        except (OSError, AttributeError):
            pass  # not glibc: nothing to cap


def started():
    """Call once a process has started, before it serves.

    What was built at start (the libraries' modules, classes and tables,
    ~100,000 objects) lives as long as the process. Frozen out of the
    cyclic garbage collector's reach, it is no longer scanned by every
    full collection, which a large request (a page of a thousand
    containers) can set off: ~50 ms each, down to what requests made.
    """
    gc.collect()
    gc.freeze()


def require_schema(conf, binary, upgrade_argv=None):
    """Stop unless the schema is the one this code needs.

    With upgrade_argv (this process's command line), bring it there first
    by running `magnum-lite-manage db upgrade` with the same configuration,
    as an operator would: in a child process, so that alembic (~9 MiB)
    never stays loaded in a process that serves.
    """
    if db.schema_revision() == db.SCHEMA_REVISION:
        return
    if upgrade_argv is None:
        files = " ".join("--config-file %s" % f for f in conf.config_file)
        sys.exit("%s: the database schema is not at revision %s; run "
                 "`magnum-lite-manage %s db upgrade`" % (
                     binary, db.SCHEMA_REVISION, files or
                     "--config-file <this config>"))
    done = subprocess.run(
        [sys.executable, "-m", "magnum_lite.cmd.manage", *upgrade_argv,
         "db", "upgrade"], stdout=subprocess.DEVNULL)
    if done.returncode != 0 or (db.schema_revision() !=
                                db.SCHEMA_REVISION):
        sys.exit("%s: the database schema upgrade failed (see above)" %
                 binary)


def _reload_on_sighup(conf):
    def reload(signum, frame):
        LOG.info("SIGHUP: re-reading mutable options from the config files")
        conf.mutate_config_files()
        LOG.debug("debug logging is on")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, reload)


class Conductor:
    """A conductor: the RPC server for one Docker host, and its heartbeat."""

    def __init__(self, conf, transport):
        # Imported here so the API process never loads docker-py.
        from magnum_lite.conductor import backlog
        from magnum_lite.conductor import heal
        from magnum_lite.conductor import manager
        from magnum_lite.conductor import status
        from magnum_lite.conductor import sync
        from magnum_lite.docker import client as docker_client
        from magnum_lite.docker import driver as docker_driver

        self.conf = conf
        self.client = docker_client.DockerHTTPClient.from_conf(conf)
        self.driver = docker_driver.DockerDriver(
            self.client, deployment=objects.deployment.identity())
        recorder = status.StatusRecorder(self.driver)
        from magnum_lite.conductor import rpcapi
        # To hand a create it could not do to another conductor.
        others = rpcapi.ConductorAPI(transport, conf.conductor.topic)
        self.proxy = None
        if conf.websocket_proxy.enabled:
            from magnum_lite.conductor import wsproxy
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
            raise StartupError(
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
    memory = c.memory_mb or (engine_info.get("memory") or 0) // (1 << 20)
    cpus = c.cpus or engine_info.get("cpus") or 0
    return {
        "memory_mb": max(int((memory - c.reserved_host_memory_mb)
                             * c.ram_allocation_ratio), 0),
        "cpus": round(cpus * c.cpu_allocation_ratio, 2),
        "labels": dict(c.labels),
    }


def docker_unavailable_message(conf, error):
    hint = "Start dockerd, or point [docker] api_url at an engine"
    source = os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), ".ci", "stack")
    if os.path.exists(source):  # a source checkout, not an installed copy
        hint += ", or run `bash .ci/stack engine` for a private one"
    return ("[docker] api_url: no Docker Engine answers at %s (%s). %s."
            % (conf.docker.api_url, error, hint))


def start_conductor(conf, transport, binary):
    # The pool that runs operations: oslo.messaging's threading executor.
    conf.set_override("executor_thread_pool_size", conf.conductor.workers)
    try:
        conductor = Conductor(conf, transport)
        conductor.start()
    except exception.DockerUnavailable as e:
        sys.exit("%s: %s" % (binary, docker_unavailable_message(conf, e)))
    except StartupError as e:
        sys.exit("%s: %s" % (binary, e))
    return conductor
