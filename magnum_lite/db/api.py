"""Query functions: the only code that talks SQL. Objects call these.

One engine per process, set by configure(); rows come back as detached
model instances. oslo.db translates the drivers' errors on it (a unique
key taken is DBDuplicateEntry, a deadlock DBDeadlock, a lost connection
DBConnectionError) and tries a deadlock's victim again (retried). Its
enginefacade does not run this engine: docs/performance.md says why.
"""
import contextlib
import contextvars
import datetime
import functools
import threading

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import exc_filters
import sqlalchemy as sa
from sqlalchemy import orm

from magnum_lite.db import claims
from magnum_lite.db import models
from magnum_lite import exception
from magnum_lite import lifecycle

_ENGINE = None
_SESSION = None
# SQLite takes one writer at a time, and a second one waits in its busy
# handler, which sleeps in steps of up to 100 ms. Writers of this process
# queue on a lock instead, which hands over at once.
_SQLITE_WRITER = threading.Lock()
_WRITER = contextlib.nullcontext()
# The transaction of a together() block, which the queries inside it join.
_JOINED = contextvars.ContextVar("magnum_lite_db_joined", default=None)

# The schema revision this code reads and writes: the newest script in
# alembic/versions (a test keeps the two equal). Serving processes check it
# without loading alembic.
SCHEMA_REVISION = "0014"

CONTAINERS = models.Container.__table__
SORT_KEYS = ("id", "uuid", "name", "image", "status", "host", "memory",
             "cpu", "created_at", "updated_at", "project_id")
FILTERS = ("name", "image", "status", "host", "project_id", "user_id",
           "task_state", "uuid", "memory", "auto_remove", "kind",
           "capsule_id")


def create_engine(url, max_pool_size=10, sqlite_busy_timeout=30000):
    """An engine tuned for the backend; SQLite is made safe for threads."""
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, record):
            # WAL lets readers run beside the one writer; the busy timeout
            # makes a second writer wait instead of failing at once.
            cur = dbapi_conn.cursor()
            if url.database and url.database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=%d" % sqlite_busy_timeout)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # Python's sqlite3 begins a transaction only before its first
            # INSERT or UPDATE: a SAVEPOINT that comes first (a create in
            # together()) then opens SQLite's transaction itself, and its
            # RELEASE commits it, so a later failure no longer undoes what
            # came before. We say BEGIN ourselves instead (SQLAlchemy's
            # documented way for pysqlite; Python 3.11's sqlite3).
            dbapi_conn.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN")
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=max_pool_size,
                            max_overflow=max_pool_size)


def configure(url, **kwargs):
    """Point this process at a database and check that it answers."""
    global _ENGINE, _SESSION, _WRITER
    engine = create_engine(url, **kwargs)
    exc_filters.register_engine(engine)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    if _ENGINE is not None:
        _ENGINE.dispose()
    _ENGINE = engine
    _SESSION = orm.sessionmaker(engine, expire_on_commit=False)
    _WRITER = (_SQLITE_WRITER if engine.url.get_backend_name() == "sqlite"
               else contextlib.nullcontext())
    return engine


def configured():
    """The engine configure() set up; None before."""
    return _ENGINE


def get_engine():
    if _ENGINE is None:
        raise RuntimeError("magnum_lite.db.api.configure() was not called")
    return _ENGINE


def retried(function):
    """A write tried again when the database chose it as a deadlock's
    victim (oslo.db's wrap_db_retry: up to 3 more times, 0.5 s apart and
    doubling): its transaction was rolled back whole, so doing it again is
    safe. Not within together(), where the transaction to try again is
    the caller's. A lost connection is not tried again: the commit may
    have happened, and an insert must not happen twice."""
    again = oslo_db_api.wrap_db_retry(max_retries=3, retry_interval=0.5,
                                      retry_on_deadlock=True)(function)

    @functools.wraps(function)
    def write(*args, **kwargs):
        return (function if _JOINED.get() is not None else again)(
            *args, **kwargs)
    return write


@contextlib.contextmanager
def together():
    """Run every query inside in one transaction on one connection, as
    oslo.db's enginefacade does when readers and writers nest: a create's
    placement, its quota's limits, its claims and its record cost one
    checkout, one BEGIN and one COMMIT instead of four of each. Reads see
    what others committed meanwhile (read committed), so a claim stays the
    one conditional UPDATE that decides."""
    if _JOINED.get() is not None:
        yield
        return
    get_engine()
    with _WRITER, _SESSION.begin() as session:
        token = _JOINED.set(session)
        try:
            yield
        finally:
            _JOINED.reset(token)


@contextlib.contextmanager
def _session():
    """A write transaction; within together(), its transaction."""
    joined = _JOINED.get()
    if joined is not None:
        yield joined
        return
    get_engine()
    with _WRITER, _SESSION.begin() as session:
        yield session


def _read(query):
    """Rows of a read-only query, without the ORM: reads are the hot path
    (a page of a thousand containers), and plain rows are enough."""
    joined = _JOINED.get()
    if joined is not None:
        return joined.execute(query).all()
    with get_engine().connect() as conn:
        return conn.execute(query).all()


def schema_revision():
    """The revision the database is at, from alembic's own table; None
    for a database that has never been migrated."""
    with get_engine().connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text(
            "SELECT version_num FROM alembic_version")).scalar()


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


# For this package's other query modules (services, quotas).
transaction = _session
read = _read


# -- containers ---------------------------------------------------------------

# A create's insert, with Core (the ORM's flush costs more than the
# statement) and every column given, so that it compiles once.
_INSERT_CONTAINER = sa.insert(CONTAINERS)
_NEW_CONTAINER = dict({column.name: None for column in CONTAINERS.c
                       if column.name not in ("id", "created_at")},
                      auto_remove=False, privileged=False, auto_heal=False,
                      interactive=False, tty=False, kind="container")


@retried
def container_create(values, hosts=None, claim=None, limits=None,
                     placement=None):
    """A new container row; the one already made by the same
    Idempotency-Key in the project, if there is one.

    With hosts (in the order placement prefers them) and claim
    (memory_mb, cpu), the row goes to the first host where the claim
    fits, taken in the same transaction; None when it fits on none. With
    limits ({resource: limit}) the project's quota is claimed in that
    transaction too, or QuotaExceeded.
    """
    key = values.get("idempotency_key")
    try:
        for host in hosts or [values.get("host")]:
            with _session() as session, _undoable(session):
                if claim is not None:
                    if not claims.take(session, host, *claim):
                        continue  # nothing written yet
                    if limits is not None:
                        _take_quota(session, values["project_id"], claim,
                                    limits)
                    values.update(host=host, claim_memory_mb=claim[0],
                                  claim_cpu=claim[1], placement=placement)
                row = dict(_NEW_CONTAINER, created_at=now(), **values)
                inserted = session.execute(_INSERT_CONTAINER, row)
                return models.Container(
                    id=inserted.inserted_primary_key[0], **row)
        return None
    except db_exc.DBDuplicateEntry:
        # The claims went with the rolled-back transaction.
        if key is not None:
            existing = container_get_by_idempotency_key(
                values["project_id"], key)
            if existing is not None:
                return existing
        raise exception.ContainerNameExists(name=values.get("name"))


def _undoable(session):
    """Within together(), a savepoint: a name taken meanwhile undoes this
    attempt's claims and insert, and the transaction goes on to look up
    the container an Idempotency-Key made before. Alone, the transaction
    itself is undone."""
    if _JOINED.get() is None:
        return contextlib.nullcontext()
    return session.begin_nested()


def _take_quota(session, project_id, claim, limits):
    """Raise QuotaExceeded (rolling the transaction back) unless the
    project's quota has room for one more container of `claim`."""
    asked = {"containers": 1, "memory": claim[0], "cpu": claim[1]}
    over = claims.take_quota(session, project_id, asked, limits)
    if over is not None:
        resource, limit, used = over
        raise exception.QuotaExceeded(
            resource=resource, limit=limit, used=_number(used),
            asked=_number(asked[resource]))


def _number(value):
    return int(value) if value == int(value) else value


@retried
def container_replace(uuid, hosts, values, moved_from=None):
    """Move a container whose create failed on its host to the first of
    hosts with room for its claim, in one transaction: the claim moves
    with it (a capsule's members too), `values` (status...) are written,
    the failed host joins its placement's "tried". The new host, or None
    when none had room.

    With moved_from (a lost host), only while the record is still there,
    Creating, and no conductor has taken its create up: the row's lock
    orders this against that host's conductor taking it (db/actions.py).
    """
    for host in hosts:
        with _session() as session:
            row = session.execute(sa.select(
                CONTAINERS.c.host, CONTAINERS.c.claim_memory_mb,
                CONTAINERS.c.claim_cpu, CONTAINERS.c.placement,
                CONTAINERS.c.status).where(
                    CONTAINERS.c.uuid == uuid).with_for_update()).first()
            if row is None or row.claim_memory_mb is None:
                return None
            if moved_from is not None and (
                    row.host != moved_from or
                    row.status != lifecycle.CREATING or
                    _create_taken(session, uuid)):
                return None
            if not claims.take(session, host, row.claim_memory_mb,
                               row.claim_cpu):
                continue
            claims.release_host(session, row.host, row.claim_memory_mb,
                                row.claim_cpu)
            placement = dict(row.placement or {})
            placement["tried"] = list(placement.get("tried", [])) + [
                row.host]
            session.execute(sa.update(CONTAINERS).where(
                CONTAINERS.c.uuid == uuid).values(
                    host=host, placement=placement, **values))
            # A capsule's members go with it, to be made anew there.
            session.execute(sa.update(CONTAINERS).where(
                CONTAINERS.c.capsule_id == uuid).values(
                    host=host, status=lifecycle.CREATING, status_reason=None,
                    container_id=None, task_state=None, updated_at=now()))
            return host
    return None


def _create_taken(session, uuid):
    actions = models.ContainerAction.__table__
    return session.execute(sa.select(actions.c.id).where(
        actions.c.container_uuid == uuid, actions.c.action == "create",
        actions.c.finish_time.is_(None),
        actions.c.taken_by.is_not(None))).first() is not None


def container_placement(uuid):
    """How the container was placed: {hints, forced, tried} (or {})."""
    rows = _read(sa.select(
        CONTAINERS.c.placement, CONTAINERS.c.claim_memory_mb,
        CONTAINERS.c.claim_cpu).where(CONTAINERS.c.uuid == uuid))
    if not rows:
        return {}
    placement, memory, cpu = rows[0]
    return dict(placement or {}, claim=(memory, cpu))


@retried
def container_claim_change(uuid, memory_mb, cpu, limits):
    """Move a container's claim on its host and quota to (memory_mb, cpu)
    in one transaction; NoValidHost or QuotaExceeded (nothing moved) when
    a raise does not fit. The claim it held before: (memory_mb, cpu)."""
    with _session() as session:
        before = session.execute(sa.select(
            CONTAINERS.c.claim_memory_mb, CONTAINERS.c.claim_cpu).where(
                CONTAINERS.c.uuid == uuid)).one()
        refused = claims.change(session, uuid, memory_mb, cpu, limits)
        if refused == "host":
            raise exception.NoValidHost(
                reason=f"its host has not {memory_mb} MiB and {cpu:g} "
                       "CPUs free for it")
        if refused is not None:
            resource, limit, used = refused
            raise exception.QuotaExceeded(resource=resource, limit=limit,
                                          used=_number(used),
                                          asked="that much")
        return tuple(before)


def container_get_by_idempotency_key(project_id, key):
    rows = _read(sa.select(CONTAINERS).where(
        CONTAINERS.c.project_id == project_id,
        CONTAINERS.c.idempotency_key == key))
    return rows[0] if rows else None


def container_get(uuid, project_id=None):
    query = sa.select(CONTAINERS).where(CONTAINERS.c.uuid == uuid)
    if project_id is not None:
        query = query.where(CONTAINERS.c.project_id == project_id)
    rows = _read(query)
    if not rows:
        raise exception.ContainerNotFound(container=uuid)
    return rows[0]


def container_get_by_name(name, project_id=None):
    query = sa.select(CONTAINERS).where(CONTAINERS.c.name == name)
    if project_id is not None:
        query = query.where(CONTAINERS.c.project_id == project_id)
    rows = _read(query.limit(2))
    if not rows:
        raise exception.ContainerNotFound(container=name)
    if len(rows) > 1:
        raise exception.AmbiguousName(name=name)
    return rows[0]


def container_list(filters=None, limit=None, marker=None, sort_key="id",
                   sort_dir="asc"):
    """A page of containers. marker is the uuid of the last row seen."""
    columns = CONTAINERS.c
    query = sa.select(CONTAINERS)
    for key, value in (filters or {}).items():
        if key not in FILTERS:
            raise exception.InvalidParameter(
                reason="Cannot filter on %r." % key)
        query = query.where(columns[key] == value)
    if sort_key not in SORT_KEYS:
        raise exception.InvalidParameter(reason="Cannot sort by %r." %
                                         sort_key)
    column = columns[sort_key]
    descending = sort_dir == "desc"
    if marker is not None:
        last = _read(sa.select(column, columns.id).where(
            columns.uuid == marker))
        if not last:
            raise exception.InvalidParameter(
                reason="Marker %s was not found." % marker)
        query = _after(query, column, columns.id, last[0][0], last[0][1],
                       descending)
    order = (column.desc(), columns.id.desc()) if descending else (
        column.asc(), columns.id.asc())
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return _read(query)


def container_members(capsule_uuids):
    """The members of the capsules named by uuid."""
    if not capsule_uuids:
        return []
    return _read(sa.select(CONTAINERS).where(
        CONTAINERS.c.capsule_id.in_(list(capsule_uuids))))


def _after(query, column, id_column, value, last_id, descending):
    # Keyset pagination: rows strictly after (value, id) in sort order.
    if descending:
        if value is None:
            return query.where(sa.and_(column.is_(None),
                                       id_column < last_id))
        return query.where(sa.or_(column < value, column.is_(None),
                                  sa.and_(column == value,
                                          id_column < last_id)))
    if value is None:
        return query.where(sa.or_(column.is_not(None),
                                  sa.and_(column.is_(None),
                                          id_column > last_id)))
    return query.where(sa.or_(column > value,
                              sa.and_(column == value, id_column > last_id)))


@retried
def container_update(uuid, values, expected_status=None):
    """Write values; with expected_status, only while the status is one of
    those (returns False when it is not)."""
    with _session() as session:
        count = update_container(session, uuid, values, expected_status)
    if count == 0 and expected_status is None:
        raise exception.ContainerNotFound(container=uuid)
    return count == 1


def update_container(session, uuid, values, expected_status=None):
    """Write values to a container's row in `session`'s transaction; how
    many rows (0 or 1)."""
    values = dict(values, updated_at=now())
    query = sa.update(models.Container).where(models.Container.uuid == uuid)
    if expected_status is not None:
        query = query.where(models.Container.status.in_(expected_status))
    try:
        return session.execute(query.values(**values)).rowcount
    except db_exc.DBDuplicateEntry:
        raise exception.ContainerNameExists(name=values.get("name"))


@retried
def container_destroy(uuid):
    with _session() as session:
        container_delete(session, uuid)


def container_delete(session, uuid):
    """In `session`'s transaction: the record, its claims and its action
    log; a capsule's, its members' records with it."""
    claims.give_back(session, uuid)
    gone = [uuid] + list(session.execute(sa.select(CONTAINERS.c.uuid).where(
        CONTAINERS.c.capsule_id == uuid)).scalars())
    session.execute(sa.delete(models.Container).where(
        models.Container.uuid.in_(gone)))
    session.execute(sa.delete(models.ContainerAction).where(
        models.ContainerAction.container_uuid.in_(gone)))


def connection_error(error):
    """One line on why the database cannot be used, naming the extra to
    install when its driver is missing."""
    if isinstance(error, ModuleNotFoundError):
        extra = {"psycopg": "postgresql", "pymysql": "mysql"}.get(
            error.name)
        if extra:
            return ("the driver %s is not installed: pip install "
                    "'magnum_lite[%s]'" % (error.name, extra))
    return "cannot connect: %s" % str(error).splitlines()[0]
