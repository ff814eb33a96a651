"""What every magnum_lite process does at start: config, logging, the
checks that stop it with one line, SIGHUP."""
import gc
import os
import re
import signal
import subprocess
import sys
import threading

from oslo_config import cfg
from oslo_log import log as logging

from magnum_lite import conf as ml_conf
from magnum_lite.db import api as db
from magnum_lite import exception
from magnum_lite import rpc

LOG = logging.getLogger(__name__)


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
                raise exception.StartupError("[%s] %s: %s" % (
                    group or "DEFAULT", opt.name, _readable(e)))
    for name in ("ca_file", "cert_file", "key_file"):
        path = conf.docker[name]
        if path and not os.access(path, os.R_OK):
            raise exception.StartupError("[docker] %s: cannot read %s" % (
                name, path))


def setup(argv, binary, description=None):
    """Config, logging, SIGHUP reload and the database: the common start of
    every process. Exits with one clear line when the setup is wrong."""
    limit_malloc_arenas()
    try:
        conf = load_config(argv, description=description)
        check_config(conf)
    except (cfg.Error, exception.StartupError) as e:
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
