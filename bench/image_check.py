"""What a project's right to another project's cached private image costs:
one manifest request through the engine (DockerDriver.readable), against
raw docker-py's inspect_distribution of the same reference, and against
the pull it replaces, on the stack's registry that requires a login.

    python -m bench.image_check [--count 20]

Needs `.ci/stack up` (its variables in the environment). Only the first
create of a project on a host pays it; the check is then recorded.
"""
import argparse
import os
import statistics
import time

import docker

from magnum_lite.docker import client as docker_client
from magnum_lite.docker import driver as docker_driver
from magnum_lite.docker import image as image_ref


def _times(count, call):
    taken = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        taken.append((time.perf_counter() - started) * 1000)
    return statistics.median(taken), max(taken)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    env = os.environ
    url = env["MAGNUM_LITE_TEST_DOCKER_URL"]
    ref = image_ref.parse(env["MAGNUM_LITE_TEST_AUTH_REGISTRY_IMAGE"])
    auth = {"username": env["MAGNUM_LITE_TEST_AUTH_REGISTRY_USER"],
            "password": env["MAGNUM_LITE_TEST_AUTH_REGISTRY_PASSWORD"]}
    raw = docker.APIClient(base_url=url, version="auto")
    driver = docker_driver.DockerDriver(
        docker_client.DockerHTTPClient(url))
    figures = {
        "raw inspect_distribution": _times(args.count, lambda: (
            raw.inspect_distribution(str(ref), auth_config=auth))),
        "readable (the check)": _times(args.count, lambda: (
            driver.readable(ref, auth))),
        # What ifnotpresent would cost without a cached copy: a pull of an
        # image already there still asks the registry for every layer.
        "pull (what it replaces)": _times(args.count, lambda: (
            driver.pull(ref, auth=auth))),
    }
    base = figures["raw inspect_distribution"][0]
    print("%-26s %10s %10s %7s" % ("", "median ms", "max ms", "ratio"))
    for name, (median, worst) in figures.items():
        print("%-26s %10.1f %10.1f %6.2fx" % (name, median, worst,
                                              median / base))


if __name__ == "__main__":
    main()
