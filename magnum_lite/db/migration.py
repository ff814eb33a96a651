"""Schema migrations: alembic, driven in code on the engine db.api configured.

The scripts live in the repository's top-level alembic/ directory (a wheel
installs them under share/magnum_lite/alembic); no alembic.ini is needed.
Every function here runs on the engine that magnum_lite.db.api.configure()
set up, and hands env.py that engine's connection.
"""
import pathlib
import sysconfig

from alembic import command
from alembic import config as alembic_config
from alembic.runtime import migration as alembic_migration
from alembic import script as alembic_script

import magnum_lite
from magnum_lite.db import api as db


def _script_location():
    """alembic/ beside the package in a checkout (or an editable install);
    else where an installed wheel put it: share/magnum_lite/alembic under
    the installation's prefix."""
    checkout = (pathlib.Path(magnum_lite.__file__).resolve().parent.parent
                / "alembic")
    if checkout.is_dir():
        return checkout
    return (pathlib.Path(sysconfig.get_path("data")) / "share" /
            "magnum_lite" / "alembic")


SCRIPT_LOCATION = _script_location()


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


def head():
    """The newest revision in alembic/versions."""
    script = alembic_script.ScriptDirectory.from_config(_config())
    return script.get_current_head()


def is_current():
    return version() == head()

