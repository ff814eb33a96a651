"""SQLAlchemy models. The migrations own the schema; a test keeps the two
equal."""
import datetime

import sqlalchemy as sa
from sqlalchemy import orm


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Base(orm.DeclarativeBase):
    type_annotation_map = {dict: sa.JSON, list: sa.JSON}


class TimestampMixin:
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, default=_now)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime, onupdate=_now)


class Container(TimestampMixin, Base):
    __tablename__ = "containers"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_containers0uuid"),
        sa.UniqueConstraint("project_id", "name",
                            name="uniq_containers0project_id0name"),
        sa.UniqueConstraint(
            "project_id", "idempotency_key",
            name="uniq_containers0project_id0idempotency_key"),
        sa.Index("containers_capsule_id_idx", "capsule_id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    image: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    command: orm.Mapped[list | None]
    # Said outright so the schema does not follow the library's version:
    # SQLAlchemy 2.1 maps a bare float to Double, 2.0 mapped it to Float.
    cpu: orm.Mapped[float | None] = orm.mapped_column(sa.Double)
    memory: orm.Mapped[int | None]  # MiB, as the API takes it
    environment: orm.Mapped[dict | None]
    labels: orm.Mapped[dict | None]
    workdir: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    hostname: orm.Mapped[str | None] = orm.mapped_column(sa.String(63))
    restart_policy: orm.Mapped[dict | None]
    image_pull_policy: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(20))
    auto_remove: orm.Mapped[bool] = orm.mapped_column(default=False)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(20))
    status_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    status_detail: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    task_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(20))
    container_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255),
                                                      index=True)
    # The client's Idempotency-Key of the create: a retry gets this record.
    idempotency_key: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(255))
    # What this container holds of its host's capacity (its limits, or the
    # defaults placement counts for none), given back when it is deleted.
    claim_memory_mb: orm.Mapped[int | None]
    claim_cpu: orm.Mapped[float | None] = orm.mapped_column(sa.Double)
    # How it was placed, for placing it again after its host failed the
    # create: {"hints": {...}, "forced": bool, "tried": [hosts]}.
    placement: orm.Mapped[dict | None]
    # The uuid of the project's registry record it pulls with, if named.
    registry_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    entrypoint: orm.Mapped[list | None]
    privileged: orm.Mapped[bool] = orm.mapped_column(
        default=False, server_default=sa.false())
    runtime: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    # [{"source": volume name, "destination": path, "volume_id": uuid}]
    mounts: orm.Mapped[list | None]
    # Docker's Healthcheck as the API took it: {test, interval, retries,
    # timeout} (seconds), and the health Docker reported last.
    healthcheck: orm.Mapped[dict | None]
    health: orm.Mapped[str | None] = orm.mapped_column(sa.String(20))
    auto_heal: orm.Mapped[bool] = orm.mapped_column(
        default=False, server_default=sa.false())
    # Stdin kept open, and a TTY: what an attach or `run --interactive`
    # needs.
    interactive: orm.Mapped[bool] = orm.mapped_column(
        default=False, server_default=sa.false())
    tty: orm.Mapped[bool] = orm.mapped_column(
        default=False, server_default=sa.false())
    # "container"; "capsule" for a capsule (its sandbox, which holds the
    # capsule's claim); "capsule-container" or "capsule-init" for its
    # members, which name it by capsule_id (its uuid) and claim nothing.
    kind: orm.Mapped[str] = orm.mapped_column(
        sa.String(32), default="container", server_default="container")
    capsule_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    annotations: orm.Mapped[dict | None]


class Volume(TimestampMixin, Base):
    """A project's named volume: a Docker volume on the one host that
    made it, where every container mounting it must run."""
    __tablename__ = "volumes"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_volumes0uuid"),
        sa.UniqueConstraint("project_id", "name",
                            name="uniq_volumes0project_id0name"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    # The container whose create made it: should that create fail, the
    # volume goes with it unless another container mounts it.
    created_for: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))


class Registry(TimestampMixin, Base):
    """A project's private registry: where, and the login to pull with.
    The password is stored encrypted (magnum_lite/secret.py)."""
    __tablename__ = "registries"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_registries0uuid"),
        sa.Index("registries_project_id_idx", "project_id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    domain: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    username: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    password: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))


class ContainerAction(Base):
    """One operation asked of a container: what, by whom, and how it ended."""
    __tablename__ = "container_actions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    container_uuid: orm.Mapped[str] = orm.mapped_column(
        sa.String(36), index=True)
    action: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    request_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    start_time: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, default=_now)
    # Indexed: the reconcile pass looks for the unfinished (NULL) ones.
    finish_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime, index=True)
    result: orm.Mapped[str | None] = orm.mapped_column(sa.String(20))
    message: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    # What the request asked besides its action ({"run": true},
    # {"timeout": 10}...), so that a conductor can carry it out from here.
    options: orm.Mapped[dict | None]
    # The conductor process (its incarnation) that took the request up.
    taken_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    # The steps it took: [{event, start_time, finish_time, result,
    # traceback}], as Zun's action detail shows them.
    events: orm.Mapped[list | None]


class Service(TimestampMixin, Base):
    """A running conductor and the Docker host it owns; updated_at is its
    last heartbeat."""
    __tablename__ = "services"
    __table_args__ = (
        sa.UniqueConstraint("host", "binary",
                            name="uniq_services0host0binary"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    # Its last heartbeat, written by the heartbeat alone: a claim on the
    # host or an operator's change must not make a dead host look alive.
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    binary: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    topic: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    disabled: orm.Mapped[bool] = orm.mapped_column(default=False)
    disabled_reason: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(255))
    report_count: orm.Mapped[int] = orm.mapped_column(default=0)
    # What the Docker Engine behind this conductor says of itself.
    engine_info: orm.Mapped[dict | None]
    # What placement may give out here (after the reserve and the
    # allocation ratios; the conductor reports it), and what the claims
    # of the containers placed here add up to (db/claims.py keeps these).
    memory_mb: orm.Mapped[int | None]
    cpus: orm.Mapped[float | None] = orm.mapped_column(sa.Double)
    labels: orm.Mapped[dict | None]
    memory_used_mb: orm.Mapped[int] = orm.mapped_column(
        default=0, server_default="0")
    cpu_used: orm.Mapped[float] = orm.mapped_column(
        sa.Double, default=0.0, server_default="0")
    container_count: orm.Mapped[int] = orm.mapped_column(
        default=0, server_default="0")
    # An operator's word that this host is down, whatever its heartbeat.
    forced_down: orm.Mapped[bool] = orm.mapped_column(
        default=False, server_default=sa.false())
    # Its last gap between two heartbeats longer than it beats (from the
    # beat before to the beat after; magnum_lite/liveness.py), and since
    # when its engine has not answered, and why.
    gap_start: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime)
    gap_end: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        sa.DateTime)
    # When a peer found it lost: the verdict holds until it beats again.
    judged_lost_at: orm.Mapped[datetime.datetime | None] = (
        orm.mapped_column(sa.DateTime))
    engine_down_since: orm.Mapped[datetime.datetime | None] = (
        orm.mapped_column(sa.DateTime))
    engine_error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class Quota(Base):
    """A project's limit on one resource (containers, memory, cpu, disk);
    a project without one has its quota class's, then the configured."""
    __tablename__ = "quotas"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "resource",
                            name="uniq_quotas0project_id0resource"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    resource: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    hard_limit: orm.Mapped[int]


class QuotaClass(Base):
    """A named set of limits; "default" applies to every project."""
    __tablename__ = "quota_classes"
    __table_args__ = (
        sa.UniqueConstraint("class_name", "resource",
                            name="uniq_quota_classes0class_name0resource"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    class_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    resource: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    hard_limit: orm.Mapped[int]


class ProjectUsage(Base):
    """What a project's containers hold, kept by the same claims as the
    hosts' (db/claims.py): one row a project, so a quota check and its
    claim are one conditional UPDATE."""
    __tablename__ = "project_usages"

    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                                    primary_key=True)
    containers: orm.Mapped[int] = orm.mapped_column(default=0)
    memory_mb: orm.Mapped[int] = orm.mapped_column(default=0)
    cpu: orm.Mapped[float] = orm.mapped_column(sa.Double, default=0.0)


class ImagePull(Base):
    """An image a host holds because a project pulled it: with a registry
    login (project_id set), or anonymously or by an admin (NULL, shared).
    Another project's create uses a privately pulled image only after the
    registry said that project may read it (conductor/build.py)."""
    __tablename__ = "image_pulls"
    __table_args__ = (
        sa.UniqueConstraint("host", "image_id", "project_id",
                            name="uniq_image_pulls0host0image_id0project_id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    # Docker's image Id (sha256:...), whatever names it goes by.
    image_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    # [registry/]repository it was pulled from: what a check asks about.
    repository: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, default=_now)


class Deployment(Base):
    """This deployment's identity, one row made by the migration that
    created the table: the label its conductors put on what they make."""
    __tablename__ = "deployment"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        sa.DateTime, default=_now)
