"""What the benchmarks share: the private engine, timing, and reporting."""
import concurrent.futures
import datetime
import http.client
import json
import os
import pathlib
import shlex
import statistics
import subprocess
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
API_HEADERS = {"Content-Type": "application/json",
               "OpenStack-API-Version": "container 1.40"}
ADMIN = {"X-Roles": "admin"}


class Client:
    """One keep-alive connection to the API (noauth), for one thread."""

    def __init__(self, port, headers=None, timeout=None):
        self.port = port
        self.headers = dict(API_HEADERS, **(headers or {}))
        self.conn = http.client.HTTPConnection("127.0.0.1", port,
                                               timeout=timeout)

    def call(self, method, path, body=None, headers=None, parse=True):
        """The answer's JSON (its bytes unless parse); RuntimeError for
        an error status."""
        headers = dict(self.headers, **(headers or {}))
        payload = json.dumps(body) if body is not None else None
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError,
                http.client.RemoteDisconnected):
            # The server closed a keep-alive connection left idle.
            self.conn.close()
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        if response.status >= 400:
            raise RuntimeError("%s %s: %s %s" % (method, path,
                                                 response.status, data))
        if not parse:
            return data
        return json.loads(data) if data else None

    def close(self):
        self.conn.close()


def engine_env():
    """The private Docker Engine (.ci/stack engine) the tests use too."""
    if "MAGNUM_LITE_TEST_DOCKER_URL" not in os.environ:
        out = subprocess.run(["bash", str(ROOT / ".ci" / "stack"), "engine"],
                             check=True, capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            os.environ[name] = shlex.split(value)[0]
    return os.environ


def raw_create_start(client, image):
    """The physical limit: docker-py create+start of a 64 MiB container
    with network none, as the service asks Docker for one."""
    def run():
        host = client.create_host_config(mem_limit=64 * MiB,
                                         network_mode="none")
        c = client.create_container(image, ["sleep", "300"],
                                    host_config=host,
                                    labels={"bench": "raw"})
        client.start(c["Id"])
    return run


def timed(fn, count, concurrency=1):
    """Run fn() count times, `concurrency` at once; seconds of each run."""
    def one(_):
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(count)))


def timed_alternately(named, count, concurrency=1):
    """{name: seconds of each run}: rounds of `concurrency` runs of each
    function in turn, so that a daemon getting slower (or faster) over the
    run weighs on every side alike. A function may return its own
    duration, when the moment it ended is known better than by watching
    (e.g. the time the service wrote the record)."""
    results = {name: [] for name, _ in named}
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for _ in range(count // concurrency):
            for name, fn in named:
                def one(_, fn=fn):
                    start = time.perf_counter()
                    own = fn()
                    return own if own is not None else (
                        time.perf_counter() - start)
                results[name] += pool.map(one, range(concurrency))
    return results


def epoch(naive_utc):
    """Seconds since the epoch of a naive UTC datetime (as records keep)."""
    return naive_utc.replace(tzinfo=datetime.timezone.utc).timestamp()


def summary(name, samples, wall=None):
    line = "%-34s median %7.1f ms  p90 %7.1f ms  n=%d" % (
        name, statistics.median(samples) * 1000,
        sorted(samples)[int(len(samples) * 0.9) - 1] * 1000, len(samples))
    if wall:
        line += "  %.1f/s" % (len(samples) / wall)
    return line


def rss_mib(pid="self"):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class LiveConductor:
    """An in-process conductor on its own database and bus, as the
    all-in-one runs it; on RabbitMQ under a topic and control exchange of
    its own, removed from the broker by stop()."""

    def __init__(self, docker_url, bus, database):
        from oslo_config import cfg

        from magnum_lite import conf as ml_conf
        from magnum_lite.conductor import rpcapi
        from magnum_lite.conductor import service
        from magnum_lite import context
        from magnum_lite.db import api as db
        from magnum_lite.db import migration
        from magnum_lite import rpc

        tag = uuid.uuid4().hex[:8]
        conf = ml_conf.register_opts(cfg.ConfigOpts())
        conf([], project="magnum_lite", default_config_files=[])
        conf.set_override("host", "bench-" + tag)
        conf.set_override("transport_url", bus)
        conf.set_override("api_url", docker_url, group="docker")
        # On a shared broker, never another deployment's exchange.
        conf.set_override("control_exchange", "ml-bench-" + tag)
        conf.set_override("topic", "ml-bench-" + tag, group="conductor")
        db.configure(database)
        migration.upgrade("head")
        self.conf = conf
        self.transport = rpc.get_transport(conf)
        self.conductor = service.start(conf, self.transport, "bench")
        self.api = rpcapi.ConductorAPI(self.transport, conf.conductor.topic)
        self.context = context.RequestContext(
            project_id="bench", user_id="bench", is_admin=True,
            overwrite=False)

    def stop(self):
        self.conductor.stop()
        self.transport.cleanup()
        bus = self.conf.transport_url
        if bus.startswith("rabbit"):
            from harness import stack

            topic = self.conf.conductor.topic
            stack.forget_on_broker(
                bus, exchanges=(self.conf.control_exchange,
                                topic + "_fanout"),
                queues=(topic, "%s.%s" % (topic, self.conf.host)))


def live_conductor(docker_url, bus, database):
    return LiveConductor(docker_url, bus, database)
