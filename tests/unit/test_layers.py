"""Imports go one way: api -> conductor.rpcapi, objects; conductor.manager
-> docker, objects; objects -> db. The docker package never saves records;
only db/ and objects/ open a transaction (intent.py draws a request's one
boundary); only docker/ holds docker-py."""
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


# Attributes that open a transaction or reach the engine of the database.
_TRANSACTION = {"together", "transaction", "get_engine"}
# The one module outside db/ and objects/ that draws a transaction's
# boundary: a request's intent, written at once.
_DRAWS_THE_BOUNDARY = "magnum_lite/intent.py"


def _modules_outside(*layers):
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        if relative.parts[1] not in layers:
            yield relative, ast.parse(path.read_text())


def test_only_db_and_objects_open_a_transaction():
    found = [
        "%s:%d %s" % (relative, node.lineno, node.attr)
        for relative, tree in _modules_outside("db", "objects")
        if str(relative) != _DRAWS_THE_BOUNDARY
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in _TRANSACTION]
    assert found == []


def test_only_the_docker_package_holds_docker_py():
    # Neither an import of docker-py nor a reach for a driver's client:
    # the docker package's classes are the only way to an engine.
    found = []
    for relative, tree in _modules_outside("docker"):
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(
                    node, ast.Import) else [node.module or ""]
                found += ["%s imports %s" % (relative, n) for n in names
                          if n == "docker" or n.startswith("docker.")]
            elif (isinstance(node, ast.Attribute) and node.attr == "client"
                  and "driver" in ast.unparse(node.value)):
                found.append("%s:%d %s" % (relative, node.lineno,
                                           ast.unparse(node)))
    assert found == []


@pytest.mark.parametrize("folder", ["bench", "harness"])
def test_bench_and_harness_import_no_test_module(folder):
    found = []
    for path in sorted((PACKAGE.parent / folder).rglob("*.py")):
        found += ["%s imports %s" % (path.relative_to(PACKAGE.parent), name)
                  for name in _imports(path)
                  if name == "tests" or name.startswith("tests.")]
    assert found == []
