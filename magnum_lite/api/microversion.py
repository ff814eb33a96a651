"""Microversions: the versions we serve, one comment each, and the header.

A request names its version in `OpenStack-API-Version: container X.Y`
(`latest` means the maximum; no header means 1.1). We answer every version
from 1.1 to 1.40 as Zun does for what we implement; the constants at the end
name the versions at which something a client sees changes.
"""
import typing

from magnum_lite import exception

HEADER = "OpenStack-API-Version"
SERVICE_TYPE = "container"

VERSIONS = [
    "1.1",   # the first microversioned v1; command is a string
    "1.2",   # create accepts nets (we accept only an empty list)
    "1.3",   # create accepts auto_remove
    "1.4",   # /v1/hosts
    "1.5",   # create accepts runtime
    "1.6",   # network_detach (not served)
    "1.7",   # delete force=true is admin only by default
    "1.8",   # network_attach (not served)
    "1.9",   # create accepts hostname
    "1.10",  # delete is asynchronous
    "1.11",  # create accepts mounts (we accept only an empty list)
    "1.12",  # delete accepts stop=true
    "1.13",  # network_list (not served)
    "1.14",  # PATCH renames (POST rename stays served here)
    "1.15",  # security group actions removed
    "1.16",  # restart_policy follows the capsule spec
    "1.17",  # network_detach accepts port (not served)
    "1.18",  # network_list response changed (not served)
    "1.19",  # resize_container (not served; PATCH changes memory and CPU)
    "1.20",  # command is a list of strings, in requests and responses
    "1.21",  # create accepts privileged (only false)
    "1.22",  # create accepts healthcheck (only empty)
    "1.23",  # mounts may inject files (we accept only an empty list)
    "1.24",  # create accepts exposed_ports (only empty)
    "1.25",  # get_archive/put_archive carry base64 data
    "1.26",  # quotas and quota classes
    "1.27",  # network delete (not served)
    "1.28",  # create accepts cpu_policy (only "shared")
    "1.29",  # hosts show enable_cpu_pinning
    "1.30",  # registries (not served)
    "1.31",  # containers show registry_id; create accepts registry (null)
    "1.32",  # capsules show name, labels and a restart_policy dict
    "1.33",  # container actions show finish_time
    "1.34",  # capsule init containers
    "1.35",  # capsule ports (containerPort only: network mode none)
    "1.36",  # create accepts tty (only false)
    "1.37",  # capsule tty and stdin
    "1.38",  # capsule annotations
    "1.39",  # create accepts host (admin only by default)
    "1.40",  # create accepts entrypoint (only empty)
]


class Version(typing.NamedTuple):
    major: int
    minor: int

    @classmethod
    def parse(cls, text):
        major, dot, minor = text.partition(".")
        if not (dot and major.isdigit() and minor.isdigit()):
            raise ValueError(text)
        return cls(int(major), int(minor))

    def __str__(self):
        return f"{self.major}.{self.minor}"


MIN_VERSION = Version.parse(VERSIONS[0])
MAX_VERSION = Version.parse(VERSIONS[-1])
DEFAULT_VERSION = MIN_VERSION

# What changes for a client, and from which version.
COMMAND_IS_LIST = Version(1, 20)
ARCHIVE_IS_BASE64 = Version(1, 25)
QUOTAS = Version(1, 26)
REGISTRIES = Version(1, 30)
REGISTRY_ID = Version(1, 31)
CAPSULE_NAMES = Version(1, 32)
ACTION_FINISH_TIME = Version(1, 33)
# Create-body fields, from the version that introduced each.
CREATE_FIELDS_SINCE = {
    "nets": Version(1, 2),
    "auto_remove": Version(1, 3),
    "runtime": Version(1, 5),
    "hostname": Version(1, 9),
    "mounts": Version(1, 11),
    "privileged": Version(1, 21),
    "healthcheck": Version(1, 22),
    "exposed_ports": Version(1, 24),
    "cpu_policy": Version(1, 28),
    "registry": Version(1, 31),
    "tty": Version(1, 36),
    "host": Version(1, 39),
    "entrypoint": Version(1, 40),
}


def from_headers(headers):
    """The version a request asks for; raises Invalid or NotAcceptable."""
    value = headers.get(HEADER)
    if value is None:
        return DEFAULT_VERSION
    # The header may name versions for several services, comma separated.
    for entry in value.split(","):
        service, _, wanted = entry.strip().partition(" ")
        if service.lower() == SERVICE_TYPE:
            break
    else:
        return DEFAULT_VERSION
    wanted = wanted.strip()
    if wanted.lower() == "latest":
        return MAX_VERSION
    try:
        version = Version.parse(wanted)
    except ValueError:
        raise exception.Invalid(
            reason=f"{HEADER} must be '{SERVICE_TYPE} X.Y' or "
                   f"'{SERVICE_TYPE} latest', not {value!r}.")
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise exception.NotAcceptable(
            reason=f"Version {version} is not supported by the API; "
                   f"minimum is {MIN_VERSION}, maximum is {MAX_VERSION}.")
    return version


def stamp(response, version):
    """Say on a response which version answered, and the range served."""
    if version is not None:
        response.headers[HEADER] = f"{SERVICE_TYPE} {version}"
    response.headers["OpenStack-API-Minimum-Version"] = (
        f"{SERVICE_TYPE} {MIN_VERSION}")
    response.headers["OpenStack-API-Maximum-Version"] = (
        f"{SERVICE_TYPE} {MAX_VERSION}")
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = HEADER
    elif HEADER.lower() not in vary.lower():
        response.headers["Vary"] = f"{vary}, {HEADER}"
