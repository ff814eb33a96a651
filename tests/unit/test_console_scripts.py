"""Each console script starts quietly: its --help prints usage and nothing
on stderr (no library's warning reaches an operator's terminal)."""
import subprocess
import sys

import pytest

from tests import conftest as shared

BINARIES = ["api", "conductor", "all", "manage"]


@pytest.mark.parametrize("binary", BINARIES)
def test_help_prints_usage_and_no_warning(binary):
    run = subprocess.run([sys.executable, "-m", "magnum_lite.cmd." + binary,
                          "--help"], capture_output=True, text=True,
                         cwd=shared.ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage:")
    assert run.stderr == ""
