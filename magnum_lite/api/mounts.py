"""What a create mounts: each mount checked, named volumes of the project
found (or made, on the host the container goes to) and the host they pin
the container to."""
import re

from oslo_utils import uuidutils

from magnum_lite.api import schemas
from magnum_lite import exception
from magnum_lite import objects

# Docker's rule for names, which volume names follow too.
_VOLUME_NAME = ("a letter or digit, then letters, digits, '_', '.' or "
                "'-', up to 255")


def parse(mounts):
    """[(volume name, destination)] of a create's mounts (schema-valid);
    InvalidParameter for the forms this service does not serve."""
    parsed, seen = [], set()
    for mount in mounts or ():
        if mount.get("type", "volume") == "bind":
            raise exception.InvalidParameter(
                reason="Injecting a file (type=bind) is not supported; "
                       "copy it in with 'openstack appcontainer cp' once "
                       "the container exists.")
        if "size" in mount:
            raise exception.InvalidParameter(
                reason="A volume's size cannot be set: volumes live on "
                       "their host's disk through Docker's local driver, "
                       "which has no size limit. Name the volume instead: "
                       "source=NAME,destination=/path.")
        name, destination = mount.get("source"), mount["destination"]
        if name is None:
            raise exception.InvalidParameter(
                reason=f"The mount at {destination} names no volume: "
                       "source=NAME,destination=/path.")
        if len(name) > 255 or not re.fullmatch(schemas.NAME_PATTERN,
                                                name, re.ASCII):
            raise exception.InvalidParameter(
                reason=f"Volume name {name!r} is not {_VOLUME_NAME} "
                       "characters.")
        if destination.rstrip("/") in seen:
            raise exception.InvalidParameter(
                reason=f"Two mounts at {destination}.")
        seen.add(destination.rstrip("/"))
        parsed.append((name, destination))
    return parsed


def resolve(context, parsed):
    """(mounts for the record, the host they pin the container to or
    None, the names of volumes to make). A volume already made lives on
    one host, and every container mounting it must run there."""
    if not parsed:
        return None, None, {}
    found = objects.Volume.named(context, context.project_id,
                                 [name for name, _ in parsed])
    hosts = {volume.host for volume in found.values()}
    if len(hosts) > 1:
        where = ", ".join(f"{v.name} on {v.host}" for v in sorted(
            found.values(), key=lambda v: v.name))
        raise exception.Conflict(
            reason=f"These volumes live on different hosts ({where}); a "
                   "container can only mount volumes of one host.")
    new = {name: uuidutils.generate_uuid() for name, _ in parsed
           if name not in found}
    mounts = [{"source": name, "destination": destination,
               "volume_id": found[name].uuid if name in found
               else new[name]} for name, destination in parsed]
    return mounts, (hosts.pop() if hosts else None), new


def pinned_reason(error, mounts, host):
    """A placement error for a container its volumes pin to `host`,
    saying so."""
    names = ", ".join(sorted(m["source"] for m in mounts))
    return exception.Conflict(
        reason=f"The volumes {names} live on host {host}, where this "
               f"container cannot go now: {error}")


def make(context, new, host, container_uuid):
    """Record the volumes a create makes, on the host it went to (the
    conductor makes them in Docker)."""
    for name, uuid in new.items():
        objects.Volume(context, uuid=uuid, name=name,
                       project_id=context.project_id,
                       user_id=context.user_id, host=host,
                       created_for=container_uuid).create()


def unmake(context, new):
    """Forget the volumes a create recorded and nobody made."""
    for uuid in new.values():
        objects.Volume(context, uuid=uuid).destroy()
