"""registry_hosts.check: which registry hosts the service may reach, on
literals and names, with the defaults and with allowed_hosts."""
import pytest

from harness import stack as shared
from magnum_lite import exception
from magnum_lite import registry_hosts
def _conf(**registries):
    return shared.make_conf(registries={"allowed_hosts": [],
                                          **registries})


@pytest.mark.parametrize("domain, network", [
    ("127.0.0.1:5000", "127.0.0.0/8"),
    ("127.0.0.1", "127.0.0.0/8"),
    ("127.1:5000", "127.0.0.0/8"),  # the short form resolves to 127.0.0.1
    ("[::1]:5000", "::1/128"),
    ("[::1]", "::1/128"),
    ("::1", "::1/128"),
    ("169.254.169.254", "169.254.0.0/16"),  # the metadata address
    ("169.254.169.254:80", "169.254.0.0/16"),
    ("::ffff:127.0.0.1", "127.0.0.0/8"),  # v4-mapped
    ("[::ffff:169.254.169.254]:80", "169.254.0.0/16"),
    ("localhost", "127.0.0.0/8"),
    ("localhost:5000", "127.0.0.0/8"),
    ("0:80", "0.0.0.0/8"),  # "0" resolves to 0.0.0.0
    ("0.0.0.0:5000", "0.0.0.0/8"),
    ("[fe80::1]:5000", "fe80::/10"),
])
def test_the_defaults_refuse(domain, network):
    with pytest.raises(exception.RegistryHostRefused) as raised:
        registry_hosts.check(_conf(), domain)
    assert raised.value.code == 400
    text = str(raised.value)
    assert f"registry host {domain} is refused" in text
    assert network in text
    assert "[registries] disallowed_hosts" in text


@pytest.mark.parametrize("domain", [
    "registry.invalid", "registry.invalid:5000",  # does not resolve
    "192.0.2.10:5000", "[2001:db8::1]:5000", "10.0.0.5:5000", None, "",
])
def test_other_hosts_pass(domain):
    registry_hosts.check(_conf(), domain)


def test_allowed_hosts_lets_exactly_that_host_port_through():
    conf = _conf(allowed_hosts=["127.0.0.1:5000", "[::1]:5000"])
    registry_hosts.check(conf, "127.0.0.1:5000")
    registry_hosts.check(conf, "[::1]:5000")
    for other in ("127.0.0.1:5001", "127.0.0.1", "localhost:5000",
                  "169.254.169.254"):
        with pytest.raises(exception.RegistryHostRefused):
            registry_hosts.check(conf, other)


def test_disallowed_hosts_is_the_operators():
    conf = _conf(disallowed_hosts=["10.0.0.0/8"])
    registry_hosts.check(conf, "127.0.0.1:5000")
    with pytest.raises(exception.RegistryHostRefused):
        registry_hosts.check(conf, "10.1.2.3:5000")
