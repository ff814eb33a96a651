"""Fixtures every test layer shares: config, fresh databases, the real stack.

The stack (a private dockerd, a loopback registry, RabbitMQ, PostgreSQL,
MariaDB) comes from `.ci/stack up`. When its variables are not in the
environment, the first test that needs them runs it; when that fails, the
run stops with the reason. Nothing is ever skipped for want of it.
"""
import contextlib
import os
import pathlib
import shlex
import subprocess
import uuid

from oslo_config import cfg
import pytest
import sqlalchemy as sa

from magnum_lite import conf as ml_conf

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}


def stack():
    """The stack's variables, bringing it up first when they are missing."""
    if "MAGNUM_LITE_TEST_DOCKER_URL" not in os.environ:
        run = subprocess.run(["bash", str(ROOT / ".ci" / "stack"), "up"],
                             capture_output=True, text=True)
        if run.returncode:
            pytest.exit("the test stack did not come up (.ci/stack up): " +
                        run.stderr.strip().splitlines()[-1], returncode=3)
        for line in run.stdout.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            os.environ[name] = shlex.split(value)[0] if value else ""
    return os.environ


def make_conf(**groups):
    """A parsed ConfigOpts with overrides: make_conf(docker={"api_url": u})."""
    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf([], project="magnum_lite", default_config_files=[])
    for group, values in groups.items():
        for name, value in values.items():
            conf.set_override(name, value,
                              group=None if group == "DEFAULT" else group)
    return conf


def server_url(kind):
    return os.environ.get("MAGNUM_LITE_TEST_%s_URL" % kind.upper(),
                          DEFAULT_URLS[kind])


@contextlib.contextmanager
def fresh_database(kind, tmp_path):
    """A new, empty database of this kind; dropped afterwards."""
    if kind == "sqlite":
        yield "sqlite:///%s" % (tmp_path / ("db-%s.sqlite" %
                                            uuid.uuid4().hex[:8]))
        return
    admin_url = sa.make_url(server_url(kind))
    name = "ml_test_%s" % uuid.uuid4().hex[:12]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            extra = " CHARACTER SET utf8mb4" if kind == "mysql" else ""
            conn.execute(sa.text("CREATE DATABASE %s%s" % (name, extra)))
    except sa.exc.OperationalError as e:
        pytest.fail("%s does not answer at %s: %s" % (
            kind, admin_url.render_as_string(), str(e).splitlines()[0]),
            pytrace=False)
    try:
        yield admin_url.set(database=name).render_as_string(
            hide_password=False)
    finally:
        from magnum_lite.db import api as db
        if db._ENGINE is not None and db._ENGINE.url.database == name:
            db._ENGINE.dispose()
        with admin.connect() as conn:
            if kind == "postgresql":
                conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"),
                    {"n": name})
            conn.execute(sa.text("DROP DATABASE %s" % name))
        admin.dispose()


@contextlib.contextmanager
def migrated_database(kind, tmp_path):
    """A fresh database at the current schema, configured for this process."""
    from magnum_lite.db import api as db
    from magnum_lite.db import migration
    with fresh_database(kind, tmp_path) as url:
        db.configure(url)
        migration.upgrade("head")
        yield url
