"""The API tests' stand-in for the conductor offers exactly the methods of
the real RPC client, each with the same parameters and defaults: a change
to ConductorAPI that the fake does not follow fails here."""
import inspect

from magnum_lite.api.handlers import actions
from magnum_lite.conductor import manager
from magnum_lite.conductor import rpcapi
from magnum_lite import lifecycle
from tests.functional.api_fixtures import FakeConductor


def _public(cls):
    return {name: inspect.signature(member)
            for name, member in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_")}


def test_fake_has_the_real_clients_methods_and_signatures():
    real = _public(rpcapi.ConductorAPI)
    fake = _public(FakeConductor)
    fake.pop("names")  # the fake's own: what was called
    assert fake == real


def test_every_state_change_is_served_in_every_layer():
    assert tuple(actions.STATE_CHANGES) == lifecycle.STATE_CHANGES
    for action in lifecycle.STATE_CHANGES:
        assert callable(getattr(rpcapi.ConductorAPI, action))
        _takes_what_is_sent(action)


def _takes_what_is_sent(action):
    """The endpoint takes every parameter the client sends, with the same
    default; what it takes besides (auto_heal's `why`) has a default."""
    client = inspect.signature(getattr(rpcapi.ConductorAPI, action))
    server = inspect.signature(getattr(manager.ConductorManager, action))
    sent = list(client.parameters.values())
    taken = list(server.parameters.values())
    assert taken[:len(sent)] == sent
    assert all(p.default is not p.empty for p in taken[len(sent):])


def test_rebuild_is_served_as_it_is_sent():
    _takes_what_is_sent("rebuild")
