"""magnum-lite-manage: operator commands; `db` moves the schema.

    magnum-lite-manage --config-file F db upgrade [REV]    (default head)
    magnum-lite-manage --config-file F db downgrade [REV]  (default base)
    magnum-lite-manage --config-file F db version
    magnum-lite-manage --config-file F db stamp REV
"""
import logging as std_logging
import os
import sys

from alembic import util as alembic_util
from oslo_config import cfg
from oslo_log import log as logging
import sqlalchemy as sa

from magnum_lite import conf as ml_conf
from magnum_lite.db import api as db
from magnum_lite.db import migration

BINARY = "magnum-lite-manage"


def db_upgrade(conf):
    migration.upgrade(conf.command.revision)
    _report()


def db_downgrade(conf):
    migration.downgrade(conf.command.revision)
    _report()


def db_version(conf):
    print(migration.version())


def db_stamp(conf):
    migration.stamp(conf.command.revision)
    _report()


def _report():
    print("database %s at revision %s (head is %s)" % (
        migration.database(), migration.version(), migration.head()))


def _add_commands(subparsers):
    db_parser = subparsers.add_parser("db", help="Move the database schema.")
    actions = db_parser.add_subparsers(dest="action", title="db commands")
    actions.required = True

    parser = actions.add_parser("upgrade", help="Upgrade to REV.")
    parser.add_argument("revision", nargs="?", default="head")
    parser.set_defaults(func=db_upgrade)

    parser = actions.add_parser("downgrade", help="Downgrade to REV.")
    parser.add_argument("revision", nargs="?", default="base")
    parser.set_defaults(func=db_downgrade)

    parser = actions.add_parser("version", help="Print the current revision.")
    parser.set_defaults(func=db_version)

    parser = actions.add_parser(
        "stamp", help="Record REV as current without running migrations.")
    parser.add_argument("revision")
    parser.set_defaults(func=db_stamp)


def _connect(conf):
    """Configure db.api on [database] connection; one line when it fails."""
    url = ml_conf.database_url(conf)
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        # Not echoed: the string may carry a password.
        raise SystemExit("%s: [database] connection: not a database URL"
                         % BINARY)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        os.makedirs(os.path.dirname(parsed.database) or ".", exist_ok=True)
    try:
        db.configure(url, max_pool_size=conf.database.max_pool_size,
                     sqlite_busy_timeout=conf.database.sqlite_busy_timeout)
    except Exception as e:
        raise SystemExit("%s: [database] connection: %s: %s" % (
            BINARY, parsed.render_as_string(), db.connection_error(e)))


def main(argv=None):
    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf.register_cli_opt(cfg.SubCommandOpt(
        "command", title="Commands", handler=_add_commands))
    try:
        conf(sys.argv[1:] if argv is None else argv, project="magnum_lite",
             description="magnum-lite-manage: operator commands; `db "
             "upgrade` brings the database of [database] connection to the "
             "schema this code needs.")
        logging.setup(conf, "magnum_lite")
        if not conf.debug:
            # alembic narrates each step at INFO; _report() says the outcome.
            std_logging.getLogger("alembic").setLevel(std_logging.WARNING)
        _connect(conf)
    except cfg.Error as e:
        sys.exit("%s: %s" % (BINARY, e))
    try:
        conf.command.func(conf)
    except alembic_util.CommandError as e:
        sys.exit("%s: %s" % (BINARY, e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
