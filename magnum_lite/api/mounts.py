"""What a create mounts, checked: the project's named volumes (intent.py
finds or makes them) and the files it injects (Zun's type=bind)."""
import base64
import binascii
import posixpath
import re

from magnum_lite.api import schemas
from magnum_lite import exception

# Docker's rule for names, which volume names follow too.
_VOLUME_NAME = ("a letter or digit, then letters, digits, '_', '.' or "
                "'-', up to 255")


def parse(mounts, file_limit):
    """([(volume name, destination)], [injected file]) of a create's
    mounts (schema-valid); InvalidParameter for the forms this service
    does not serve. Injected files: at most `file_limit` bytes in all."""
    parsed, files, seen = [], [], set()
    for mount in mounts or ():
        if mount.get("type", "volume") == "bind":
            files.append(_injected(mount, seen))
            continue
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
    size = sum(len(base64.b64decode(f["content"])) for f in files)
    if size > file_limit:
        raise exception.RequestTooLarge(
            reason=f"The files to inject have {size} bytes; at most "
                   f"{file_limit} may be ([api] max_injected_file_bytes). "
                   "Copy larger ones in with 'openstack appcontainer cp'.")
    return parsed, files


def _injected(mount, seen):
    """A file to write into the container before it starts, as Zun's
    type=bind mount carries it: its base64 content in `source`. Kept in
    the record's mounts as {type: file, destination, content}."""
    destination = posixpath.normpath(mount["destination"])
    if destination == "/" or mount["destination"].endswith("/") or \
            ".." in mount["destination"].split("/"):
        raise exception.InvalidParameter(
            reason=f"An injected file needs a file's absolute path, not "
                   f"{mount['destination']!r}.")
    try:
        base64.b64decode(mount.get("source") or "", validate=True)
    except (binascii.Error, ValueError):
        raise exception.InvalidParameter(
            reason=f"The file to inject at {destination} must be "
                   "base64-encoded in source.") from None
    if destination in seen:
        raise exception.InvalidParameter(
            reason=f"Two mounts at {destination}.")
    seen.add(destination)
    return {"type": "file", "source": "", "destination": destination,
            "content": mount.get("source") or ""}
