"""What the clients read: bodies of containers, actions, hosts, services.

Fields python-zunclient prints but this service does not have (networks,
ports, security groups...) are given their honest empty values, so the
clients' tables and `show` never miss a key.
"""
import uuid

from oslo_utils import units

from magnum_lite.api import microversion
from magnum_lite.api import util
from magnum_lite import lifecycle
from magnum_lite import liveness
from magnum_lite import objects
from magnum_lite import policy

# Hosts have no uuid of their own; this one is stable for a host name.
_HOST_NAMESPACE = uuid.UUID("1f6a3f53-7b3e-4c37-9b8e-6f0c1f4b8a61")
# Nor have an engine's images: a tag's is stable for (host, id, repo, tag).
_IMAGE_NAMESPACE = uuid.UUID("5a0f4f2e-3c1d-4d8e-9a47-2b6f0c9e7d13")


# What a container body says of features this service does not offer:
# containers run with network mode none, shared CPUs, no disk quota.
_NOT_HERE = {
    "addresses": {}, "ports": [], "security_groups": [],
    "disk": 0,
    "cpu_policy": "shared", "image_driver": "docker",
}


def links(request, collection, ident):
    return [
        {"rel": "self", "href": request.link("v1", collection, ident)},
        {"rel": "bookmark", "href": request.link(collection, ident)},
    ]


# Fields shown as the record holds them.
_AS_STORED = ("uuid", "name", "image", "status", "status_reason",
              "status_detail", "task_state", "cpu", "workdir", "hostname",
              "auto_remove", "image_pull_policy", "host", "project_id",
              "user_id", "command", "runtime", "entrypoint", "healthcheck")


def container(request, c):
    # values() rather than attribute reads: a page holds a thousand of
    # these, and each versioned-object attribute read is a function call.
    v = c.values()
    body = {name: v.get(name) for name in _AS_STORED}
    memory = v.get("memory")
    uuid_ = v["uuid"]
    body.update(
        # As Zun's record holds it: a string of MiB, without a unit.
        memory=str(memory) if memory else None,
        environment=v.get("environment") or {},
        labels=v.get("labels") or {},
        restart_policy=restart_policy(v.get("restart_policy")),
        created_at=util.isotime(v.get("created_at")),
        updated_at=util.isotime(v.get("updated_at")),
        links=links(request, "containers", uuid_),
        registry_id=v.get("registry_id"),
        privileged=bool(v.get("privileged")),
        # An injected file's content stays out of every answer.
        mounts=[{"source": m["source"], "destination": m["destination"]}
                for m in v.get("mounts") or ()],
        # Docker's word: starting, healthy or unhealthy; None without a
        # health check.
        health=v.get("health"),
        auto_heal=bool(v.get("auto_heal")),
        interactive=bool(v.get("interactive")),
        tty=bool(v.get("tty")),
        **_NOT_HERE)
    loss = request.losses().get(v.get("host")) if v.get("host") else None
    if loss is not None:
        # The record keeps what Docker last said; the reader learns that
        # nobody can say what it is now, and why.
        body["status"] = lifecycle.UNKNOWN
        body["status_reason"] = liveness.explain(loss, v.get("status"))
    # As Zun, a field the caller may not see is left out, not nulled.
    for field in request.hidden_fields():
        del body[field]
    return body


def restart_policy(value):
    """Zun keeps a restart policy as a dict of strings (the retry count
    too, "0" unless on-failure gives one); null when none was asked for.
    Docker needs the count as a number, so the record keeps that."""
    if not value:
        return None
    return {"Name": value["Name"],
            "MaximumRetryCount": str(value.get("MaximumRetryCount") or 0)}


def action(request, a, detail=False):
    """An action as Zun shows it; its detail (`detail`) with its events."""
    body = {
        "action": a.action,
        "container_uuid": a.container_uuid,
        "request_id": a.request_id,
        "user_id": a.user_id,
        "project_id": a.project_id,
        "start_time": util.isotime(a.start_time),
        "message": a.message,
    }
    if request.version >= microversion.ACTION_FINISH_TIME:
        body["finish_time"] = util.isotime(a.finish_time)
    if detail:
        # As Zun's action detail, at every version.
        body["events"] = a.events or []
    return body


def image_uuid(host, image_id, repo, tag):
    """The uuid /v1/images gives the tag repo:tag of image_id on host (and
    a commit answers for the image it made)."""
    return str(uuid.uuid5(_IMAGE_NAMESPACE, "%s %s %s:%s" % (
        host, image_id, repo, tag)))


def host_uuid(service):
    return str(uuid.uuid5(_HOST_NAMESPACE, service.host))


def registry(request, r):
    """A registry record as Zun shows it: the password never, only ***
    where one is kept."""
    return {"uuid": r.uuid, "name": r.name, "domain": r.domain,
            "username": r.username,
            "password": "***" if r.password else None,
            "project_id": r.project_id, "user_id": r.user_id,
            "links": links(request, "registries", r.uuid)}


def volume(request, v, mounted_by=None):
    """A volume: its name in the project, the host it lives on, and (when
    shown alone) the containers that mount it."""
    body = {"uuid": v.uuid, "name": v.name, "host": v.host,
            "driver": "local", "project_id": v.project_id,
            "user_id": v.user_id,
            "created_at": util.isotime(v.created_at),
            "links": links(request, "volumes", v.uuid)}
    if mounted_by is not None:
        body["mounted_by"] = mounted_by
    return body


def host(request, service):
    """A host as Zun shows it; memory and CPUs are what placement may give
    out (after the reserve and the allocation ratios) and what the claims
    of its containers hold, so they move with every create and delete."""
    # engine_info is what the conductor's driver.info() reported at start.
    info = service.engine_info or {}
    return {
        "uuid": host_uuid(service),
        "hostname": service.host,
        "mem_total": service.memory_mb,
        "mem_used": service.memory_used_mb,
        # Zun counts whole CPUs; placement's share (after the allocation
        # ratio) is a whole number unless [conductor] cpus says otherwise.
        "cpus": None if service.cpus is None else int(service.cpus),
        "cpu_used": service.cpu_used,
        # No disk quota here (docs/api-differences.md).
        "disk_total": 0,
        "disk_used": 0,
        "disk_quota_supported": False,
        "architecture": info.get("architecture"),
        "os_type": info.get("os_type"),
        "runtimes": info.get("runtimes") or [],
        "os": info.get("os"),
        "kernel_version": info.get("kernel_version"),
        "docker_version": info.get("version"),
        "docker_api_version": info.get("api_version"),
        "total_containers": service.container_count,
        "labels": service.labels or {},
        "enable_cpu_pinning": False,
        "links": links(request, "hosts", host_uuid(service)),
    }


def service(service, loss, zone):
    return {
        "id": service.id,
        "host": service.host,
        "binary": service.binary,
        "topic": service.topic,
        "state": "down" if loss else "up",
        "disabled": service.disabled,
        "disabled_reason": service.disabled_reason,
        "forced_down": service.forced_down,
        "report_count": service.report_count,
        "created_at": util.isotime(service.created_at),
        "updated_at": util.isotime(service.updated_at),
        "last_seen_up": util.isotime(service.updated_at),
        "availability_zone": zone,
    }


def stats(container, summary):
    """The conductor's summary of resource use, under the keys Zun answers
    and the clients print (sizes in MiB, I/O as "read/written")."""
    return {
        "CONTAINER": container.name,
        "CPU %": summary["cpu_percent"],
        "MEM USAGE(MiB)": round(summary["memory_usage"] / units.Mi, 2),
        "MEM LIMIT(MiB)": round(summary["memory_limit"] / units.Mi, 2),
        "MEM %": summary["memory_percent"],
        "BLOCK I/O(B)": f"{summary['block_read']}/{summary['block_write']}",
        "NET I/O(B)": f"{summary['net_rx']}/{summary['net_tx']}",
    }


def capsule(request, c, members):
    """A capsule as Zun shows it, its containers (`members`, init ones
    first) shown as containers; before 1.32 in Zun's older shape."""
    body = {
        "uuid": c.uuid,
        "links": links(request, "capsules", c.uuid),
        "user_id": c.user_id,
        "project_id": c.project_id,
        "created_at": util.isotime(c.created_at),
        "updated_at": util.isotime(c.updated_at),
        "addresses": {},
        "status": c.status,
        "status_reason": c.status_reason,
        "annotations": c.annotations or {},
        "memory": str(c.memory) if c.memory else None,
        "cpu": c.cpu,
        "init_containers": [container(request, m) for m in members
                            if m.kind == objects.container.KIND_INIT],
        "containers": [container(request, m) for m in members
                       if m.kind != objects.container.KIND_INIT],
    }
    loss = request.losses().get(c.host) if c.host else None
    if loss is not None:
        body["status"] = lifecycle.UNKNOWN
        body["status_reason"] = liveness.explain(loss, c.status)
    if request.allows(policy.CAPSULE_GET_HOST):
        body["host"] = c.host
    policy_ = restart_policy(c.restart_policy)
    # zun-ui reads meta_name and meta_labels at every version: they stay
    # from 1.32 too (docs/api-differences.md), beside Zun's new names.
    body.update(meta_name=c.name, meta_labels=c.labels or {})
    if request.version >= microversion.CAPSULE_NAMES:
        body.update(name=c.name, labels=c.labels or {},
                    restart_policy=policy_)
    else:
        body.update(restart_policy=policy_ and policy_["Name"],
                    volumes_info={}, containers_uuids=[],
                    init_containers_uuids=[], capsule_version="")
    return body
