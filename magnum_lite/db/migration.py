"""Schema migrations: alembic, driven in code on the engine db.api configured.

The scripts live in the checkout's top-level alembic/; a wheel or an sdist
installs them inside the package as magnum_lite/migrations (setup.py maps
the folder there), and script_location() finds either. No alembic.ini is
needed.
Every function here runs on the engine that magnum_lite.db.api.configure()
set up, and hands env.py that engine's connection.
"""
import importlib.util
import pathlib

from alembic import command
from alembic import config as alembic_config
from alembic.runtime import migration as alembic_migration
from alembic import script as alembic_script

from magnum_lite.db import api as db


def script_location():
    """The folder of env.py and versions/: an installed copy's
    magnum_lite/migrations, else (an editable install, or none) the
    checkout's alembic/."""
    installed = importlib.util.find_spec("magnum_lite.migrations")
    if installed is not None:
        return pathlib.Path(list(installed.submodule_search_locations)[0])
    return pathlib.Path(__file__).resolve().parents[2] / "alembic"


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
    config.set_main_option("script_location", str(script_location()))
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
    """The newest revision in versions/."""
    script = alembic_script.ScriptDirectory.from_config(_config())
    return script.get_current_head()


def is_current():
    return version() == head()

