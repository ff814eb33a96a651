"""Schema migrations: alembic, driven in code on the engine db.api configured.

The scripts are package data, in magnum_lite/db/migrations/ beside this
module, so a checkout, an editable install, a wheel and an sdist all find
them the same way; no alembic.ini is needed.
Every function here runs on the engine that magnum_lite.db.api.configure()
set up, and hands env.py that engine's connection.
"""
import pathlib

from alembic import command
from alembic import config as alembic_config
from alembic.runtime import migration as alembic_migration
from alembic import script as alembic_script

from magnum_lite.db import api as db


SCRIPT_LOCATION = pathlib.Path(__file__).resolve().parent / "migrations"


def context_options(url):
    """How alembic is configured for a database: by env.py, and by the test
    that compares the models with the migrated schema."""
    return {
        # SQLite cannot ALTER most things; batch mode copies the table.
        "render_as_batch": url.get_backend_name() == "sqlite",
        # MariaDB reflects JSON as LONGTEXT (its JSON is an alias with a
        # json_valid() CHECK) and Boolean as TINYINT(1). alembic's MySQL
        # dialect counts JSON/LONGTEXT and BOOL/TINYINT as synonyms, so the
        # plain comparison is right there; the migration test checks the
        # CHECK is really in place, so a bare LONGTEXT would not pass.
        "compare_type": True,
    }


def _config(connection=None):
    config = alembic_config.Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def _run(cmd, *args, **kwargs):
    with db.get_engine().begin() as connection:
        cmd(_config(connection), *args, **kwargs)


def upgrade(revision="head"):
    _run(command.upgrade, revision)


def downgrade(revision):
    _run(command.downgrade, revision)


def stamp(revision):
    _run(command.stamp, revision)


def version():
    """The revision the database is at, or None when it has none."""
    with db.get_engine().connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def database():
    """The database's URL, without its password."""
    return db.get_engine().url.render_as_string(hide_password=True)


def head():
    """The newest revision in migrations/versions."""
    script = alembic_script.ScriptDirectory.from_config(_config())
    return script.get_current_head()


def is_current():
    return version() == head()

