"""The database layer alone: a read, a write, and a read and a write
joined in one transaction (db.api.together), each the median of many, on
the engine magnum_lite configures.

    python -m bench.db [--database URL]

SQLite in a temporary directory by default; pass an empty PostgreSQL or
MariaDB database's URL to measure that. docs/performance.md compares it
with oslo.db's enginefacade.
"""
import argparse
import statistics
import tempfile
import time
import uuid

import sqlalchemy as sa


def _median_ms(call, count):
    for _ in range(count // 10):  # warm up
        call()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    from magnum_lite.db import api as db
    from magnum_lite.db import migration
    from magnum_lite.db import models

    url = args.database or "sqlite:///%s/bench.sqlite" % tempfile.mkdtemp()
    db.configure(url)
    migration.upgrade("head")
    table = models.Container.__table__
    uuid_ = str(uuid.uuid4())
    with db.transaction() as session:
        session.execute(sa.insert(table).values(
            uuid=uuid_, name="bench", project_id="p", user_id="u",
            image="busybox", status="Running", created_at=db.now()))
    one = sa.select(table).where(table.c.uuid == uuid_)

    def read():
        db.read(one)

    def write():
        with db.transaction() as session:
            session.execute(sa.update(table).where(
                table.c.uuid == uuid_).values(status_detail="x"))

    def together():
        with db.together():
            read()
            write()

    print("database: %s" % sa.make_url(url).get_backend_name())
    for name, call, count in (("read", read, 2000), ("write", write, 500),
                              ("read and write together", together, 500)):
        print("%-24s median %7.3f ms" % (name, _median_ms(call, count)))


if __name__ == "__main__":
    main()
