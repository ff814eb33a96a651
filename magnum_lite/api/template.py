"""A capsule's template (Zun's Kubernetes-like pod spec), checked and turned
into the records a capsule is made of: the capsule's own values, and its
members' values with the named volumes each mounts."""
import json

from magnum_lite.api import schemas
from magnum_lite.api import validation
from magnum_lite import exception
from magnum_lite.objects import container as container_obj



def _object(properties, required=()):
    return {"type": "object", "properties": properties,
            "required": list(required), "additionalProperties": False}


# The template's restartPolicy, as Docker names it (Zun's mapping).
RESTART_POLICIES = {"Always": "always", "OnFailure": "on-failure",
                    "Never": "no"}
_VOLUME_NAME = {"type": "string", "minLength": 2, "maxLength": 255,
                "pattern": schemas.NAME_PATTERN}
_COMMAND = {"type": "array", "items": {"type": "string"}, "maxItems": 256}
_MEMBER = _object({
    "name": dict(schemas.NAME, type=["string", "null"]),
    "image": schemas.IMAGE,
    "command": _COMMAND,
    "args": _COMMAND,
    "resources": _object({"requests": _object({
        "cpu": schemas.CPU, "memory": schemas.MEMORY})}),
    "ports": {"type": "array", "maxItems": 64, "items": _object({
        "name": {"type": "string", "maxLength": 255},
        "containerPort": {"type": "integer", "minimum": 0,
                          "maximum": 65535},
        "hostPort": {"type": "integer", "minimum": 0, "maximum": 65535},
        "protocol": {"enum": ["TCP", "UDP"]},
    }, required=["containerPort"])},
    "volumeMounts": {"type": "array", "maxItems": 16,
                     "items": _object({
                         "name": _VOLUME_NAME,
                         "mountPath": {"type": "string", "pattern": "^/",
                                       "minLength": 2, "maxLength": 4096},
                         "readOnly": {"type": "boolean"},
                     }, required=["name", "mountPath"])},
    "env": schemas.ENVIRONMENT,
    "workDir": {"type": ["string", "null"], "maxLength": 255},
    "imagePullPolicy": {"type": ["string", "null"],
                        "enum": ["never", "always", "ifnotpresent", "Never",
                                 "Always", "IfNotPresent", None]},
    "stdin": {"type": "boolean"},
    "tty": {"type": "boolean"},
}, required=["image"])
_MEMBERS = {"type": "array", "items": _MEMBER, "maxItems": 16}
_POLICY = {"enum": sorted(RESTART_POLICIES)}
TEMPLATE = _object({
    "kind": {"enum": ["capsule", "Capsule"]},
    "capsuleVersion": {"enum": ["beta", "Beta"]},
    "metadata": _object({
        "name": dict(schemas.NAME, type=["string", "null"]),
        "labels": schemas.STRING_MAP,
        "annotations": schemas.STRING_MAP}),
    # Zun's older place for it, still accepted.
    "restartPolicy": _POLICY,
    "availabilityZone": {"type": ["string", "null"], "maxLength": 255},
    # Zun reads a capsule's networks here; empty, as on a container.
    "nets": schemas.CREATE_FIELDS["nets"],
    "spec": _object({
        "containers": dict(_MEMBERS, minItems=1),
        "initContainers": _MEMBERS,
        "restartPolicy": _POLICY,
        "volumes": {"type": ["array", "null"], "maxItems": 16,
                    "items": {"type": "object",
                              "properties": {"name": _VOLUME_NAME},
                              "required": ["name"]}},
    }, required=["containers"]),
}, required=["kind", "spec", "metadata"])
CAPSULE_CREATE = _object({
    "template": {"type": ["object", "string"],
                 "description": "The capsule's template (a JSON object, or "
                                "its text): kind, metadata, spec."}},
    required=["template"])


class Capsule:
    """A checked template: values of the capsule's record; its members
    (init containers first) as (label, record values with kind set, the
    project's named volumes it mounts as [(name, path)]); the zone asked
    for, if any."""

    def __init__(self, values, members, zone):
        self.values = values
        self.members = members
        self.zone = zone


def parse(template, conf):
    """The Capsule a create's template asks for (InvalidParameter for
    what this service does not serve or what is not valid)."""
    if isinstance(template, str):
        try:
            template = json.loads(template)
        except ValueError as error:
            raise exception.InvalidParameter(
                reason=f"The template is not JSON: {error}.") from None
    validation.check(template, TEMPLATE)
    spec = template["spec"]
    metadata = template.get("metadata") or {}
    policy = spec.get("restartPolicy", template.get("restartPolicy",
                                                    "Always"))
    restart = {"Name": RESTART_POLICIES[policy], "MaximumRetryCount": 0}
    declared = _volumes(spec.get("volumes"))
    members = []
    for kind, prefix, specs in (
            (container_obj.KIND_INIT, "init", spec.get("initContainers")),
            (container_obj.KIND_MEMBER, "c", spec["containers"])):
        for index, member in enumerate(specs or ()):
            values, mounts = _member(conf, member, kind, declared)
            # Init containers run once, to their end; the others keep
            # the capsule's policy.
            values["restart_policy"] = (
                None if kind == container_obj.KIND_INIT else restart)
            members.append((member.get("name") or f"{prefix}{index}",
                            values, mounts))
    labels = [label for label, _, _ in members]
    if len(set(labels)) != len(labels):
        raise exception.InvalidParameter(
            reason="Two containers of the capsule have the same name.")
    values = {
        "name": validation.name(metadata.get("name")),
        "labels": metadata.get("labels") or {},
        "annotations": metadata.get("annotations") or {},
        "restart_policy": restart,
    }
    return Capsule(values, members, template.get("availabilityZone"))


def claim(conf, members):
    """(memory MiB, cpus) the capsule holds of its host: its sandbox's,
    plus what its containers run with together, or its largest init
    container's if larger (they run one at a time, before the others)."""
    def need(kind, field, default):
        return [m[field] or default for _, m, _ in members
                if m["kind"] == kind]

    memory = max(sum(need(container_obj.KIND_MEMBER, "memory",
                          conf.conductor.default_memory_mb)),
                 max(need(container_obj.KIND_INIT, "memory",
                          conf.conductor.default_memory_mb), default=0))
    cpu = max(sum(need(container_obj.KIND_MEMBER, "cpu",
                       conf.conductor.default_cpus)),
              max(need(container_obj.KIND_INIT, "cpu",
                       conf.conductor.default_cpus), default=0))
    return (memory + conf.capsule.sandbox_memory_mb,
            round(cpu + conf.capsule.sandbox_cpus, 3))


def _volumes(declared):
    names = set()
    for volume in declared or ():
        if "cinder" in volume or set(volume) - {"name"}:
            raise exception.InvalidParameter(
                reason=f"Volume {volume['name']!r}: this service has no "
                       "Cinder; a capsule's volumes are the project's "
                       "named volumes (made when missing), declared by "
                       "name alone: {\"name\": NAME}.")
        names.add(volume["name"])
    return names


def _member(conf, member, kind, declared):
    """(the member's record values, [(volume name, path)])."""
    for port in member.get("ports") or ():
        if port.get("hostPort"):
            raise exception.InvalidParameter(
                reason="A port with a hostPort needs a network to publish "
                       "it on; containers here run with network mode none "
                       "(a capsule's containers reach each other on its "
                       "own loopback).")
    mounts, seen = [], set()
    for mount in member.get("volumeMounts") or ():
        if mount["name"] not in declared:
            raise exception.InvalidParameter(
                reason=f"volumeMounts names {mount['name']!r}, which "
                       "spec.volumes does not declare.")
        if mount.get("readOnly"):
            raise exception.InvalidParameter(
                reason="Read-only volume mounts are not served here.")
        path = mount["mountPath"].rstrip("/") or "/"
        if path in seen:
            raise exception.InvalidParameter(
                reason=f"Two mounts at {path}.")
        seen.add(path)
        mounts.append((mount["name"], mount["mountPath"]))
    requests = (member.get("resources") or {}).get("requests") or {}
    command = list(member.get("command") or ()) + list(
        member.get("args") or ())
    policy = member.get("imagePullPolicy")
    return {
        "kind": kind,
        # Its registry is one the engine may reach, as for a container.
        "image": validation.image_host(
            conf, validation.image(member["image"])),
        "command": command or None,
        "memory": validation.memory_mb(requests.get("memory"),
                                       conf.api.max_container_memory_mb),
        "cpu": validation.cpu(requests.get("cpu")),
        "environment": member.get("env") or {},
        "workdir": member.get("workDir"),
        "image_pull_policy": policy.lower() if policy else None,
        "interactive": bool(member.get("stdin")),
        "tty": bool(member.get("tty")),
    }, mounts
