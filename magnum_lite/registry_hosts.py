"""Which registry hosts a tenant may make the service and its engines reach.

A tenant names registries (a registry record, an image reference, a
search); the API, the conductor and the Docker Engine then connect there
from inside the control plane. Like Glance's web-download filter, a host
whose name resolves into [registries] disallowed_hosts (loopback,
link-local with the metadata address, unspecified) is refused unless
[registries] allowed_hosts lists it as host:port.

The check runs where the request is accepted (the API) and again just
before a connection (the conductor, the search): a name that resolves
elsewhere later (DNS rebinding) must also resolve into an allowed network
at that second moment. Docker resolves the name once more itself; that
last window is the operator's to close with an egress firewall on the
Docker hosts (docs/security.md).
"""
import functools
import ipaddress
import socket

from magnum_lite import exception


@functools.lru_cache(maxsize=8)
def _networks(cidrs):
    return tuple(ipaddress.ip_network(c.strip(), strict=False)
                 for c in cidrs if c.strip())


def _addresses(host):
    """The addresses `host` names: itself when it is an address, else what
    it resolves to now (empty when it does not resolve)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        # "localhost." is "localhost" to Docker's resolver, if not to ours.
        found = socket.getaddrinfo(host.rstrip("."), None,
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0].split("%")[0])
            for info in found]


def check(conf, domain):
    """Raise RegistryHostRefused unless the registry `domain` (host[:port],
    as an image reference or a registry record names it) may be reached.

    A name that does not resolve passes: nothing can connect to it now,
    and the check is made again before every connection.
    """
    if not domain:
        return
    options = conf.registries
    if domain in options.allowed_hosts:
        return
    if domain.startswith("["):  # [v6 address]:port
        host = domain[1:].partition("]")[0]
    elif domain.count(":") == 1:  # name:port or v4:port
        host = domain.partition(":")[0]
    else:
        host = domain
    refused = _networks(tuple(options.disallowed_hosts))
    for address in _addresses(host):
        if address.version == 6 and address.ipv4_mapped:
            address = address.ipv4_mapped
        for network in refused:
            if address in network:
                where = (f"{host} resolves to {address}"
                         if host != str(address) else host)
                raise exception.RegistryHostRefused(
                    host=domain, reason=f"{where}, in {network}")
