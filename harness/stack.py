"""What every test layer and the benchmarks share: config, fresh databases,
the real stack.

The stack (a private dockerd, a loopback registry, RabbitMQ, PostgreSQL,
MariaDB) comes from `.ci/stack up`. When its variables are not in the
environment, the first test that needs them runs it; when that fails, the
run stops with the reason. Nothing is ever skipped for want of it.
"""
import contextlib
import dataclasses
import http.client
import json
import os
import pathlib
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import kombu
from oslo_config import cfg
import pytest
import sqlalchemy as sa

from magnum_lite import conf as ml_conf

# Imported by test modules as a plugin: rewrite its asserts like theirs.
pytest.register_assert_rewrite("tests.functional.api_fixtures")

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}


def up(script):
    """Run `.ci/SCRIPT up` and, when it succeeds, put the variables it
    exports into os.environ; its CompletedProcess."""
    run = subprocess.run(["bash", str(ROOT / ".ci" / script), "up"],
                         capture_output=True, text=True)
    if not run.returncode:
        for line in run.stdout.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            os.environ[name] = shlex.split(value)[0] if value else ""
    return run


def stack():
    """The stack's variables, bringing it up first when they are missing."""
    if "MAGNUM_LITE_TEST_DOCKER_URL" not in os.environ:
        run = up("stack")
        if run.returncode:
            pytest.exit("the test stack did not come up (.ci/stack up): " +
                        run.stderr.strip().splitlines()[-1], returncode=3)
    return os.environ


def free_port():
    """A TCP port on 127.0.0.1 that nobody listened on a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout=30, interval=0.1, what=None):
    """check()'s first truthy answer, asked every `interval` seconds for
    up to `timeout` seconds; else AssertionError naming `what` (check's
    docstring or name; a function gives it then, to tell how things
    stand) and its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            if callable(what):
                what = what()
            raise AssertionError("never within %ss: %s (last answer: %r)" % (
                timeout, what or check.__doc__ or check.__name__, answer))
        time.sleep(interval)


def forget_on_broker(rabbit_url, exchanges=(), queues=()):
    """Delete what a test deployment declared on the shared RabbitMQ: its
    queues outlive the processes (they are not auto-delete) and would pile
    up, with any cast still in them. Deleting an absent one is no error."""
    url = rabbit_url.replace("rabbit://", "amqp://", 1)
    with kombu.Connection(url, connect_timeout=10) as conn:
        channel = conn.channel()
        for queue in queues:
            channel.queue_delete(queue)
        for exchange in exchanges:
            channel.exchange_delete(exchange)


def allowed_registries():
    """The stack's registries, host:port each, for [registries]
    allowed_hosts: they listen on loopback, which a deployment refuses by
    default. Every config a test writes for a service sets it."""
    return stack()["MAGNUM_LITE_TEST_ALLOWED_REGISTRIES"].split(",")


@dataclasses.dataclass
class AllInOne:
    port: int
    host: str  # its conductor's: the magnum_lite.host label on containers
    pid: int

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d/v1" % self.port


@contextlib.contextmanager
def all_in_one(state, config="", port=None, allowed_hosts=None):
    """magnum-lite-all as a process of the test's own (SQLite under
    `state`, the in-process bus, the stack's first engine), on `port` or a
    free one, with a host name of its own, the stack's registries in
    allowed_hosts unless told otherwise, and `config` (ini text) after
    that. Yields an AllInOne once it answers; afterwards it is stopped
    and every Docker container it made is removed."""
    import docker  # only the tests that start one need docker-py

    env = stack()
    port = port or free_port()
    host = "aio-%s" % uuid.uuid4().hex[:8]
    if allowed_hosts is None:
        allowed_hosts = allowed_registries()
    path = state / "aio.conf"
    path.write_text(
        "[DEFAULT]\nstate_path = %s\nhost = %s\n[api]\nport = %d\n"
        "[docker]\napi_url = %s\n[registries]\nallowed_hosts = %s\n%s" % (
            state, host, port, env["MAGNUM_LITE_TEST_DOCKER_URL"],
            ",".join(allowed_hosts), config))
    with open(state / "aio.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "magnum_lite.cmd.all",
                                 "--config-file", str(path)], stdout=log,
                                stderr=log, cwd=ROOT)
    try:
        def listening():
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return True
            except OSError:
                assert proc.poll() is None, (state / "aio.log").read_text()
                return False

        wait_for(listening, 60, 0.2, "all-in-one up")
        yield AllInOne(port, host, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        client = docker.APIClient(base_url=env["MAGNUM_LITE_TEST_DOCKER_URL"],
                                  version="auto")
        for c in client.containers(all=True, filters={
                "label": "magnum_lite.host=%s" % host}):
            client.remove_container(c["Id"], force=True)
        client.close()


def make_conf(**groups):
    """A parsed ConfigOpts with overrides: make_conf(docker={"api_url": u}).

    With the stack up (its variables set), the stack's registries are in
    [registries] allowed_hosts unless overridden; the unit tier, which
    may run without the stack (.ci/constraints latest), reaches none.
    """
    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf([], project="magnum_lite", default_config_files=[])
    if "MAGNUM_LITE_TEST_DOCKER_URL" in os.environ:
        conf.set_override("allowed_hosts", allowed_registries(),
                          group="registries")
    for group, values in groups.items():
        for name, value in values.items():
            conf.set_override(name, value,
                              group=None if group == "DEFAULT" else group)
    return conf


def server_url(kind):
    return os.environ.get("MAGNUM_LITE_TEST_%s_URL" % kind.upper(),
                          DEFAULT_URLS[kind])


def request_json(port, method, path, body=None, headers=None, timeout=60,
                 with_headers=False):
    """(status, JSON body or None) of one request to a server of ours on
    127.0.0.1:port, on a connection of its own; with_headers, the answer's
    headers too (names in lower case)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body)
                     if body is not None else None, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        answer = (response.status, json.loads(data) if data else None)
        if with_headers:
            answer += ({k.lower(): v for k, v in response.getheaders()},)
        return answer
    finally:
        conn.close()


@contextlib.contextmanager
def fresh_database(kind, tmp_path):
    """The URL of a new, empty database of this kind ("sqlite",
    "postgresql" or "mysql"); dropped afterwards. A server that does not
    answer fails the test with one line (it never skips)."""
    if kind == "sqlite":
        yield "sqlite:///%s" % (tmp_path / ("db-%s.sqlite" %
                                            uuid.uuid4().hex[:8]))
        return
    admin_url = sa.make_url(server_url(kind))
    name = "ml_test_%s" % uuid.uuid4().hex[:12]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    create = ('CREATE DATABASE "%s"' if kind == "postgresql" else
              "CREATE DATABASE `%s` CHARACTER SET utf8mb4") % name
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(create))
    except sa.exc.DBAPIError as e:
        error = str(e.orig).splitlines()[0]
    else:
        error = None
    if error:  # outside the except block, so the report is this one line
        pytest.fail("%s at %s does not answer (start the test stack with "
                    ".ci/stack up): %s" % (kind, admin_url.render_as_string(),
                                           error), pytrace=False)
    url = admin_url.set(database=name)
    if kind == "mysql":
        url = url.update_query_dict({"charset": "utf8mb4"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        from magnum_lite.db import api as db
        engine = db.configured()
        if engine is not None and engine.url.database == name:
            engine.dispose()  # a database in use cannot be dropped
        drop = ('DROP DATABASE IF EXISTS "%s" WITH (FORCE)'
                if kind == "postgresql" else
                "DROP DATABASE IF EXISTS `%s`") % name
        with admin.connect() as conn:
            conn.execute(sa.text(drop))


@contextlib.contextmanager
def migrated_database(kind, tmp_path):
    """A fresh database at the current schema, configured for this process."""
    from magnum_lite.db import api as db
    from magnum_lite.db import migration
    with fresh_database(kind, tmp_path) as url:
        db.configure(url)
        migration.upgrade("head")
        yield url


class PrivateEngine:
    """A Docker Engine of a test's own (`.ci/stack engine` in a state
    directory of its own), so that stopping it disturbs no other test."""

    def __init__(self, state):
        self.state = state
        self._env = dict(os.environ, MAGNUM_LITE_STACK_DIR=str(state))
        self._stack = ["bash", str(ROOT / ".ci" / "stack")]

    def up(self):
        """Start it (again); its URL."""
        out = subprocess.run(self._stack + ["engine"], env=self._env,
                             check=True, capture_output=True,
                             text=True).stdout
        return out.split("MAGNUM_LITE_TEST_DOCKER_URL=")[1].split()[0]

    def pid(self):
        with open(os.path.join(self.state, "dockerd.pid")) as f:
            return int(f.read())

    def down(self):
        subprocess.run(self._stack + ["down"], env=self._env,
                       capture_output=True)
        subprocess.run(["rm", "-rf", str(self.state)])


@contextlib.contextmanager
def private_engine():
    engine = PrivateEngine(tempfile.mkdtemp(prefix="ml-eng-", dir="/tmp"))
    try:
        yield engine
    finally:
        engine.down()
