"""Searching a private registry: its catalog (Registry API v2), which the
engine's search cannot read (that speaks Docker Hub's v1 index only).

The registry is the tenant's to name, and this process connects to it
from inside the control plane: each request checks the host again
(registry_hosts) just before it connects, and a redirect is not followed
(it could lead anywhere, past that check).
"""
import requests

from magnum_lite import exception
from magnum_lite import registry_hosts

# A catalog page; registries cap it (Docker's registry at 1000 by default).
PAGE = 1000
TIMEOUT = 10  # seconds for each request to the registry


def search(domain, term, exact=False, auth=None, scheme="https",
           conf=None):
    """[{name, tags}] of the repositories of `domain` whose name holds
    `term` (or is it, with exact), through HTTP basic auth ({username,
    password}) if given. Registries that hand out bearer tokens are not
    served. Raises RegistryUnreachable, RegistrySearchRefused, or
    RegistryHostRefused when `domain` resolves into [registries]
    disallowed_hosts of `conf` (every caller in the service passes it)."""
    base = f"{_scheme(domain, scheme)}://{domain}/v2"
    session = requests.Session()
    if auth:
        session.auth = (auth["username"], auth["password"])

    def get(url):
        if conf is not None:
            registry_hosts.check(conf, domain)
        return _get(session, domain, url, auth)

    names = get(f"{base}/_catalog?n={PAGE}").get("repositories") or []
    wanted = [n for n in names if (n == term if exact else term in n)]
    return [{"name": f"{domain}/{name}",
             "tags": sorted(get(f"{base}/{name}/tags/list").get("tags")
                            or [])}
            for name in wanted]


def _scheme(domain, scheme):
    # As the engine: a loopback registry is spoken to over plain HTTP.
    host = domain.rsplit(":", 1)[0]
    return "http" if host in ("localhost", "127.0.0.1", "[::1]") else scheme


def _get(session, domain, url, auth):
    try:
        response = session.get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise exception.RegistryUnreachable(domain=domain, reason=str(error))
    if response.status_code == 401:
        raise exception.RegistrySearchRefused(
            domain=domain,
            how="with the login given" if auth else "without a login",
            explanation=response.text.strip()[:200])
    if response.is_redirect:
        raise exception.RegistryUnreachable(
            domain=domain, reason=f"{url} answered {response.status_code}, "
            f"a redirect to {response.headers.get('Location')}, which a "
            "search does not follow")
    if response.status_code != 200:
        raise exception.RegistryUnreachable(
            domain=domain, reason=f"{url} answered {response.status_code}")
    return response.json()
