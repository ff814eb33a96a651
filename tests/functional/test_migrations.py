"""The migrations build exactly the schema the models describe, on SQLite,
PostgreSQL and MariaDB, and magnum-lite-manage drives them.

Each test gets a fresh database of its own, dropped afterwards. The servers
are the ones the test stack runs on this machine; one that does not answer
fails the test (it never skips).
"""
import os
import subprocess
import sys
import uuid

from alembic.autogenerate import compare_metadata
from alembic.runtime import migration as alembic_migration
import pytest
import sqlalchemy as sa

from harness import stack as shared
from magnum_lite.db import api as db
from magnum_lite.db import migration
from magnum_lite.db import models
from magnum_lite.db import services as db_services
from magnum_lite import exception

REPO = str(shared.ROOT)
TABLES = {"containers", "container_actions", "services", "quotas",
          "quota_classes", "project_usages", "registries", "volumes",
          "deployment",
          "image_pulls"}


def _configured(kind, tmp_path):
    """db.api configured on a fresh, empty database of one backend."""
    with shared.fresh_database(kind, tmp_path) as url:
        engine = db.configure(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql", "mysql"],
                ids=["sqlite", "postgresql", "mariadb"])
def engine(request, tmp_path):
    yield from _configured(request.param, tmp_path)


@pytest.fixture
def mariadb(tmp_path):
    yield from _configured("mysql", tmp_path)


def _differences(engine):
    with engine.connect() as conn:
        context = alembic_migration.MigrationContext.configure(
            conn, opts=migration.context_options(engine.url))
        return compare_metadata(context, models.Base.metadata)


def _tables(engine):
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_from_empty_builds_the_models_schema(engine):
    assert migration.version() is None
    assert db.schema_revision() is None
    assert not migration.is_current()

    migration.upgrade("head")

    assert migration.version() == migration.head() == HEAD
    assert db.schema_revision() == db.SCHEMA_REVISION == HEAD
    assert migration.is_current()
    assert _tables(engine) == TABLES | {"alembic_version"}
    assert _differences(engine) == []


def test_mariadb_json_columns_are_checked_json(mariadb):
    """MariaDB reflects JSON as LONGTEXT, which alembic takes as a synonym;
    prove the columns really are MariaDB's JSON (LONGTEXT + json_valid)."""
    migration.upgrade("head")
    with mariadb.connect() as conn:
        checks = conn.execute(sa.text(
            "SELECT TABLE_NAME, CHECK_CLAUSE "
            "FROM information_schema.CHECK_CONSTRAINTS "
            "WHERE CONSTRAINT_SCHEMA = DATABASE()")).all()
    checked = {(table, clause.replace("`", "")) for table, clause in checks}
    json_columns = {(table.name, column.name)
                    for table in models.Base.metadata.sorted_tables
                    for column in table.columns
                    if isinstance(column.type, sa.JSON)}
    assert json_columns
    assert {(table, "json_valid(%s)" % column)
            for table, column in json_columns} <= checked


def test_downgrade_to_base_then_upgrade_again(engine):
    migration.upgrade("head")

    migration.downgrade("base")

    assert _tables(engine) == {"alembic_version"}
    assert migration.version() is None

    migration.upgrade("head")

    assert migration.is_current()
    assert _differences(engine) == []


def test_records_round_trip(engine):
    migration.upgrade("head")
    values = {
        "uuid": str(uuid.uuid4()), "name": "web-\U0001f433",
        "project_id": "p1", "user_id": "u1", "image": "busybox:latest",
        "command": ["sh", "-c", "echo 'hi' \u00e9"], "cpu": 0.5, "memory": 64,
        "environment": {"A": "1", "B": "\u00fcml\u00e4ut"},
        "labels": {"tier": "front", "empty": "", "emoji": "\U0001f680"},
        "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "auto_remove": True, "status": "Creating",
    }
    db.container_create(values)

    row = db.container_get(values["uuid"])

    for key, value in values.items():
        assert getattr(row, key) == value, key
    assert row.auto_remove is True
    assert row.created_at is not None and row.updated_at is None
    assert row.workdir is None and row.environment is not None

    with pytest.raises(exception.ContainerNameExists):
        db.container_create(dict(values, uuid=str(uuid.uuid4())))
    # Names compare exactly on every backend (MariaDB: binary collation).
    db.container_create(dict(values, uuid=str(uuid.uuid4()),
                             name=values["name"].upper()))
    assert db.container_get_by_name(values["name"]).uuid == values["uuid"]

    service = db_services.service_report(
        "host-1", "magnum-lite-conductor", "t",
        engine_info={"version": "20.10", "cgroup": 1})
    assert service.disabled is False
    [listed] = db_services.service_list()
    assert listed.engine_info == {"version": "20.10", "cgroup": 1}
    assert listed.disabled is False and listed.report_count == 1


# -- magnum-lite-manage, as a real process -----------------------------------

def _manage(config_file, *args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (REPO, env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "magnum_lite.cmd.manage",
         "--config-file", str(config_file), *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def _config_file(tmp_path, connection):
    path = tmp_path / "magnum_lite.conf"
    path.write_text("[DEFAULT]\nstate_path = %s\n\n[database]\n"
                    "connection = %s\n" % (tmp_path / "state", connection))
    return path


# The newest migration: a new one changes this here and
# db.api.SCHEMA_REVISION, and nothing else.
HEAD = "0014"


def _ok(result):
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.strip()


def test_manage_db_commands(tmp_path):
    database = tmp_path / "state" / "magnum_lite.sqlite"
    conf = _config_file(tmp_path, "sqlite:///%s" % database)
    check = sa.create_engine("sqlite:///%s" % database,
                             poolclass=sa.pool.NullPool)

    assert _ok(_manage(conf, "db", "version")) == "None"

    _ok(_manage(conf, "db", "upgrade"))
    assert _ok(_manage(conf, "db", "version")) == HEAD
    assert _tables(check) == TABLES | {"alembic_version"}

    out = _ok(_manage(conf, "db", "downgrade"))  # to base by default
    assert out == "database sqlite:///%s at revision None (head is %s)" % (
        database, HEAD)
    assert _tables(check) == {"alembic_version"}

    _ok(_manage(conf, "db", "stamp", "head"))
    assert _ok(_manage(conf, "db", "version")) == HEAD
    assert _tables(check) == {"alembic_version"}  # stamped, not migrated


@pytest.mark.parametrize("connection", [
    "postgresql+psycopg://nobody:secret@127.0.0.1:1/nothing",
    "nosuchdialect://x/y",
    "not a url at all",
], ids=["refused", "no-dialect", "garbage"])
def test_manage_bad_connection_is_one_line(tmp_path, connection):
    result = _manage(_config_file(tmp_path, connection), "db", "upgrade")

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("magnum-lite-manage: [database] connection:")
    assert "secret" not in lines[0]


def test_manage_unknown_revision_is_one_line(tmp_path):
    conf = _config_file(tmp_path, "sqlite:///%s" % (tmp_path / "m.sqlite"))
    result = _manage(conf, "db", "upgrade", "9999")

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "9999" in lines[0], result.stderr


def test_serving_processes_upgrade_in_a_child_and_never_load_alembic(
        tmp_path):
    conf = _config_file(tmp_path, "sqlite:///%s" % (
        tmp_path / "state" / "magnum_lite.sqlite"))
    script = """if True:
        import sys
        from magnum_lite import service
        from magnum_lite.cmd import all, api, conductor
        argv = ["--config-file", sys.argv[1]]
        conf = service.setup(argv, "magnum-lite-all")
        try:
            service.require_schema(conf, "magnum-lite-api")
        except SystemExit as e:
            print(e)
        service.require_schema(conf, "magnum-lite-all", upgrade_argv=argv)
        service.require_schema(conf, "magnum-lite-api")
        print("alembic loaded:", "alembic" in sys.modules)
    """
    result = subprocess.run([sys.executable, "-c", script, str(conf)],
                            capture_output=True, text=True, cwd=REPO)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "magnum-lite-api: the database schema is not at revision %s; run "
        "`magnum-lite-manage --config-file %s db upgrade`" % (HEAD, conf),
        "alembic loaded: False"]
    assert _ok(_manage(conf, "db", "version")) == HEAD
