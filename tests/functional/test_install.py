"""magnum_lite installed as a user installs it: a wheel, then an sdist, into
a fresh virtualenv with its dependencies from the package index, and
`magnum-lite-manage db upgrade` run from outside the checkout."""
import shutil
import subprocess
import sys

import pytest

from harness import stack as shared
from magnum_lite.db import api as db

HEAD = db.SCHEMA_REVISION
# Builds and installs take a minute and more, in a venv of their own:
# .ci/test runs them in the stage beside the rest.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """(wheel, sdist) built from a copy of the checkout: pip and build
    write into the tree they are given."""
    tmp = tmp_path_factory.mktemp("dist")
    source = tmp / "source"
    shutil.copytree(shared.ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "state",
        ".*_cache", ".hypothesis", "__pycache__"))
    out = tmp / "out"
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
         "-w", out, source)
    _run(sys.executable, "-c",
         "import sys, setuptools.build_meta as b; "
         "b.build_sdist(sys.argv[1])", out, cwd=source)
    [wheel] = out.glob("magnum_lite-*.whl")
    [sdist] = out.glob("magnum_lite-*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A new virtualenv, as `python3 -m venv` makes it."""
    path = tmp_path_factory.mktemp("venv") / "env"
    _run(sys.executable, "-m", "venv", path)
    return path


def _run(*args, cwd=None):
    result = subprocess.run([str(a) for a in args], cwd=cwd,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def _upgrade(venv, workdir):
    workdir.mkdir()
    conf = workdir / "magnum_lite.conf"
    conf.write_text("[database]\nconnection = sqlite:///%s\n"
                    % (workdir / "ml.sqlite"))
    # From a directory that holds no checkout, so nothing but the
    # installed package can be found.
    return _run(venv / "bin" / "magnum-lite-manage", "--config-file", conf,
                "db", "upgrade", cwd=workdir)


def test_wheel_then_sdist_migrate_a_database(dists, venv, tmp_path):
    wheel, sdist = dists
    upgraded = "database sqlite:///%s at revision %s (head is %s)"
    pip = (venv / "bin" / "pip", "install", "-q",
           "--disable-pip-version-check")

    _run(*pip, wheel)  # with its dependencies, from the index
    assert _upgrade(venv, tmp_path / "wheel") == upgraded % (
        tmp_path / "wheel" / "ml.sqlite", HEAD, HEAD)

    _run(*pip, "--no-deps", "--force-reinstall", sdist)
    assert _upgrade(venv, tmp_path / "sdist") == upgraded % (
        tmp_path / "sdist" / "ml.sqlite", HEAD, HEAD)

    where = _run(venv / "bin" / "python", "-c",
                 "import magnum_lite; print(magnum_lite.__file__)",
                 cwd=tmp_path)
    assert where.startswith(str(venv))
