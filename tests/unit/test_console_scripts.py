"""Each console script starts quietly: its --help prints usage and nothing
on stderr (no library's warning reaches an operator's terminal)."""
import subprocess
import sys

import pytest

from harness import stack as shared

BINARIES = ["api", "conductor", "all", "manage"]


@pytest.mark.parametrize("binary", BINARIES)
def test_help_prints_usage_and_no_warning(binary):
    run = subprocess.run([sys.executable, "-m", "magnum_lite.cmd." + binary,
                          "--help"], capture_output=True, text=True,
                         cwd=shared.ROOT, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage:")
    # What the program is comes first after the usage.
    assert ("magnum-lite-%s: " % binary) in run.stdout.split("options:")[0]
    assert run.stderr == ""
