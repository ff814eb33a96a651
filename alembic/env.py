"""alembic's entry into magnum_lite: migrate the connection we are given.

magnum_lite.db.migration hands over the connection of the engine that
magnum_lite.db.api configured (config.attributes["connection"]). Run from
the alembic CLI instead, give a URL: `-x url=...` or sqlalchemy.url.
"""
from alembic import context
import sqlalchemy as sa

from magnum_lite.db import migration
from magnum_lite.db import models


def _url():
    return (context.get_x_argument(as_dictionary=True).get("url")
            or context.config.get_main_option("sqlalchemy.url"))


def run_offline():
    """Write the SQL instead of running it (alembic --sql)."""
    url = _url()
    context.configure(url=url, literal_binds=True,
                      target_metadata=models.Base.metadata,
                      **migration.context_options(sa.make_url(url)))
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection):
    context.configure(connection=connection,
                      target_metadata=models.Base.metadata,
                      **migration.context_options(connection.engine.url))
    with context.begin_transaction():
        context.run_migrations()


def main():
    if context.is_offline_mode():
        run_offline()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_online(connection)
        return
    url = _url()
    if not url:
        raise SystemExit("alembic: no database; pass -x url=URL")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            run_online(connection)
    finally:
        engine.dispose()


main()
