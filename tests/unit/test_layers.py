"""Imports go one way: api -> conductor.rpcapi, objects; conductor.manager
-> docker, objects; objects -> db. The docker package never saves records."""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "magnum_lite"

FORBIDDEN = {
    "api": ("magnum_lite.conductor.manager", "magnum_lite.docker.driver",
            "magnum_lite.docker.client", "magnum_lite.db", "magnum_lite.cmd"),
    "docker": ("magnum_lite.objects", "magnum_lite.db", "magnum_lite.api",
               "magnum_lite.conductor"),
    "objects": ("magnum_lite.api", "magnum_lite.conductor",
                "magnum_lite.docker"),
    "db": ("magnum_lite.objects", "magnum_lite.api", "magnum_lite.conductor",
           "magnum_lite.docker"),
    "conductor": ("magnum_lite.api", "magnum_lite.db"),
}


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (node.module + "." + a.name for a in node.names)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_go_one_way(layer):
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            if name.startswith(FORBIDDEN[layer]):
                found.append("%s imports %s" % (
                    path.relative_to(PACKAGE.parent), name))
    assert found == []
