"""Horizon with zun-ui in headless Chromium, against the stack's Keystone
and magnum_lite's all-in-one behind it (`.ci/horizon up` serves Horizon)."""
import contextlib
import io
import os
import pathlib
import re
import shutil
import tarfile
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome import service as chrome_service

from harness import stack as shared
from tests.integration import keystone_stack

ENV_NAMES = ("MAGNUM_LITE_TEST_HORIZON_URL", "MAGNUM_LITE_TEST_CHROMIUM",
             "MAGNUM_LITE_TEST_CHROMEDRIVER",
             "MAGNUM_LITE_TEST_HORIZON_ORIGIN",
             "MAGNUM_LITE_TEST_CLOUDSHELL_IMAGE")
# Where the run leaves its screenshots (not committed).
SHOTS = pathlib.Path(os.environ.get("MAGNUM_LITE_TEST_SCREENSHOTS",
                                    shared.ROOT / "build" / "screenshots"))
# The access log's lines: '... "GET /v1/containers" status: 404 ...'.
ACCESS = re.compile(r'"(?P<request>[A-Z]+ [^"]+)" status: (?P<status>\d+)')


def horizon_env():
    """The variables of `.ci/horizon up`, run here when they are missing;
    the test fails, never skips, when Horizon does not come up."""
    if any(name not in os.environ for name in ENV_NAMES):
        run = shared.up("horizon")
        if run.returncode:
            pytest.fail("Horizon did not come up (.ci/horizon up): " +
                        run.stderr.strip()[-2000:], pytrace=False)
    return {name: os.environ[name] for name in ENV_NAMES}


@pytest.fixture(scope="session")
def horizon():
    return horizon_env()


@pytest.fixture(scope="session")
def ks():
    return keystone_stack.keystone()


def _cloud_shell_image(client, base, name):
    """`name`: the test image with a /bin/bash (zun-ui's Cloud Shell runs
    /bin/bash; busybox has none, so a script hands over to its sh)."""
    script = b"#!/bin/sh\nexec /bin/sh \"$@\"\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("bash")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    made = client.create_container(base, command=["true"])
    try:
        client.put_archive(made["Id"], "/bin", buffer.getvalue())
        repository, _, tag = name.partition(":")
        client.commit(made["Id"], repository=repository, tag=tag or "latest")
    finally:
        client.remove_container(made["Id"], force=True)


# Package-scoped: it holds the port Keystone's catalog names, which the
# Keystone tests take after these.
@pytest.fixture(scope="package")
def aio(ks, horizon, tmp_path_factory):
    """The all-in-one behind Keystone; its websocket proxy lets Horizon's
    pages in (their Origin)."""
    state = tmp_path_factory.mktemp("dashboard-aio")
    extra = ("[websocket_proxy]\nallowed_origins = %s\n"
             % horizon["MAGNUM_LITE_TEST_HORIZON_ORIGIN"])
    with keystone_stack.all_in_one(ks, state, extra) as aio:
        image = horizon["MAGNUM_LITE_TEST_CLOUDSHELL_IMAGE"]
        _cloud_shell_image(aio.docker, aio.image, image)
        aio.cloud_shell_image = image
        aio.access = AccessLog(state / "aio.log")
        DRIVEN.append(aio.host)
        yield aio
        FAILED.extend(aio.access.failed_since(0))
        aio.docker.remove_image(image, force=True)


# Every 4xx or 5xx magnum_lite answered during the run, and what the
# browser saw fail (Horizon's own, such as its Neutron and Cinder calls
# with neither in the catalog), for the summary.
FAILED = []
BROWSER_FAILED = []
DRIVEN = []  # the all-in-ones the dashboard drove: none, no summary
# Chromium's line for a failed request: 'URL - Failed to load resource:
# the server responded with a status of 500 (Internal Server Error)'.
FAILED_LOAD = re.compile(r"^(?P<url>\S+) - Failed to load resource: .* "
                         r"status of (?P<status>\d+)")


class AccessLog:
    """magnum_lite's access log (one line per request it answered)."""

    def __init__(self, path):
        self.path = path

    def mark(self):
        return self.path.stat().st_size

    def failed_since(self, mark):
        """'METHOD /path -> status' of each 4xx/5xx answered after mark."""
        with open(self.path, "rb") as log:
            log.seek(mark)
            text = log.read().decode("utf-8", "replace")
        return ["%s -> %s" % (m["request"], m["status"])
                for m in ACCESS.finditer(text) if int(m["status"]) >= 400]


def pytest_terminal_summary(terminalreporter):
    if not DRIVEN:
        return
    terminalreporter.section("magnum_lite's 4xx/5xx answers to the dashboard")
    for line in FAILED or ["(none)"]:
        terminalreporter.write_line(line)
    terminalreporter.section("requests that failed in the browser")
    for line in sorted(set(BROWSER_FAILED)) or ["(none)"]:
        terminalreporter.write_line(line)


@contextlib.contextmanager
def browser(horizon):
    """Headless Debian Chromium under chromedriver, its own profile."""
    options = webdriver.ChromeOptions()
    options.binary_location = horizon["MAGNUM_LITE_TEST_CHROMIUM"]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1400,1000"):
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="ml-chromium-")
    options.add_argument("--user-data-dir=" + profile)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=chrome_service.Service(
        horizon["MAGNUM_LITE_TEST_CHROMEDRIVER"]))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        for entry in driver.get_log("browser"):
            failed = FAILED_LOAD.match(entry["message"])
            if failed:
                BROWSER_FAILED.append("%s -> %s" % (failed["url"],
                                                    failed["status"]))
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
