"""An API process and N conductor processes, each on an engine of its own."""
import collections
from concurrent import futures
import contextlib
import datetime
import os
import shlex
import signal
import socket
import subprocess
import sys
import urllib.parse
import uuid

import docker
import pytest

from harness import stack as shared
from magnum_lite.docker import driver as docker_driver
from magnum_lite import lifecycle

HEADERS = {"Content-Type": "application/json",
           "OpenStack-API-Version": "container 1.40",
           "X-Project-Id": "multihost", "X-User-Id": "tester",
           # Admin: /v1/services and /v1/hosts need it, and it shows every
           # record's host.
           "X-Roles": "admin"}
API = "api"
# Options every process of a deployment gets; `options` and the
# per-conductor options given to deployed() are merged over them.
BASE_OPTIONS = {
    # Many creates of one project: quotas are tested on their own.
    "quota": {"containers": -1, "memory": -1, "cpu": -1},
    "conductor": {
        # A killed conductor shows as down within seconds, not a minute;
        # five beats of margin so that a loaded machine does not flap.
        "heartbeat_interval": 1, "service_down_time": 5,
        "reconcile_interval": 2,
        # A create cast to a conductor that died is given up in time for
        # a test to see it, not after 10 minutes.
        "request_timeout": 30,
    },
}

# One Docker container of a deployment, as an engine lists it: `host` is
# the conductor host its label names, whichever engine it is on.
Found = collections.namedtuple("Found", "uuid host state id")


def docker_urls(n):
    """The URLs of n engines of the test stack, each checked to answer.

    A stack brought up before there were several engines (or with fewer)
    is asked for more: `.ci/stack up` is idempotent. Fewer than n that
    answer fail the test; it never skips.
    """
    env = shared.stack()
    urls = env.get("MAGNUM_LITE_TEST_DOCKER_URLS", "").split()
    if len(urls) < n:
        urls = _stack_up(max(n, 3))
    urls = urls[:n]
    silent = [url for url in urls if not _answers(url)]
    if len(urls) < n or silent:
        pytest.fail(
            "asked for %d Docker engines, %d answer (%s); run `bash "
            ".ci/stack up` (MAGNUM_LITE_ENGINES=%d) and see its dockerd "
            "logs" % (n, len(urls) - len(silent),
                      ", ".join("%s does not answer" % u for u in silent) or
                      "MAGNUM_LITE_TEST_DOCKER_URLS lists %d" % len(urls),
                      n), pytrace=False)
    return urls


def _stack_up(engines):
    run = subprocess.run(
        ["bash", str(shared.ROOT / ".ci" / "stack"), "up"],
        env=dict(os.environ, MAGNUM_LITE_ENGINES=str(engines)),
        capture_output=True, text=True)
    if run.returncode:
        pytest.fail("the test stack did not come up with %d engines "
                    "(.ci/stack up): %s" % (
                        engines, (run.stderr.strip().splitlines() or
                                  ["no output"])[-1]), pytrace=False)
    for line in run.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        os.environ[name] = shlex.split(value)[0] if value else ""
    return os.environ.get("MAGNUM_LITE_TEST_DOCKER_URLS", "").split()


def _answers(url):
    try:
        client = docker.APIClient(base_url=url, version="auto", timeout=5)
    except docker.errors.DockerException:
        return False  # version="auto" already asks the engine
    try:
        return client.ping()
    except (docker.errors.DockerException, OSError):
        return False
    finally:
        client.close()


def merge(*layers):
    """Sections -> options dicts merged left to right (later wins)."""
    merged = {}
    for layer in layers:
        for section, values in (layer or {}).items():
            merged.setdefault(section, {}).update(values)
    return merged


def _ini_value(value):
    # As oslo.config reads them: ListOpt "a,b", DictOpt "k:v,k2:v2".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ",".join("%s:%s" % item for item in value.items())
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def write_conf(path, sections):
    lines = []
    # DEFAULT first, as people write them.
    for section, values in sorted(sections.items(),
                                  key=lambda item: item[0] != "DEFAULT"):
        lines.append("[%s]" % section)
        lines += ["%s = %s" % (name, _ini_value(value))
                  for name, value in values.items()]
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def _utc(iso):
    """A /v1/services time as naive UTC, as the records store it."""
    moment = datetime.datetime.fromisoformat(iso)
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)


class MultiHost:
    """An API process and one conductor process per engine.

    `hosts` are the conductors' `[DEFAULT] host` names, in the order of
    the engines; `engines` maps each to its engine's URL. Everything runs
    under a topic and control exchange of the deployment's own, so that it
    never meets another deployment's messages on the shared broker.
    """

    def __init__(self, workdir, database, urls, rabbit_url, options=None,
                 conductor_options=()):
        if len(conductor_options) > len(urls):
            raise ValueError("options for %d conductors, %d engines" % (
                len(conductor_options), len(urls)))
        self.tag = uuid.uuid4().hex[:8]
        self.topic = "ml-mh-" + self.tag
        self.hosts = ["mh-%s-%d" % (self.tag, i + 1)
                      for i in range(len(urls))]
        self.engines = dict(zip(self.hosts, urls))
        self.port = shared.free_port()
        self.dir = workdir
        self.rabbit_url = rabbit_url
        self.processes = {}
        self.started_at = {}
        self._clients = {}
        common = merge(BASE_OPTIONS, {
            "DEFAULT": {"transport_url": rabbit_url,
                        "control_exchange": self.topic},
            "conductor": {"topic": self.topic},
            "database": {"connection": database},
            "registries": {"allowed_hosts": shared.allowed_registries()},
        }, options)
        self.confs = {API: write_conf(workdir / "api.conf", merge(
            common, {"DEFAULT": {"host": self.topic + "-api",
                                 "state_path": str(workdir / API)},
                     "api": {"port": self.port}}))}
        per_host = list(conductor_options) + [None] * len(urls)
        for host, extra in zip(self.hosts, per_host):
            self.confs[host] = write_conf(workdir / (host + ".conf"), merge(
                common, {"DEFAULT": {"host": host,
                                     "state_path": str(workdir / host)},
                         "docker": {"api_url": self.engines[host]}}, extra))

    # -- processes --

    def start(self, name):
        """Start the API (name "api") or a host's conductor."""
        assert name not in self.processes, "%s is already running" % name
        with open(self.dir / ("%s.log" % name), "a") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "magnum_lite.cmd." +
                 ("api" if name == API else "conductor"),
                 "--config-file", str(self.confs[name])],
                stdout=log, stderr=subprocess.STDOUT, cwd=shared.ROOT)
        self.started_at[name] = datetime.datetime.now(
            datetime.timezone.utc).replace(tzinfo=None)

    def start_api(self, name):
        """One more API process beside the first, on a port of its own
        (same database and bus); its port, once it answers."""
        port = shared.free_port()
        self.confs[name] = self.dir / (name + ".conf")
        self.confs[name].write_text(self.confs[API].read_text().replace(
            "port = %d" % self.port, "port = %d" % port))
        with open(self.dir / ("%s.log" % name), "a") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "magnum_lite.cmd.api",
                 "--config-file", str(self.confs[name])],
                stdout=log, stderr=subprocess.STDOUT, cwd=shared.ROOT)

        def listening():
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return True
            except OSError:
                assert self.processes[name].poll() is None, \
                    self.log_tail(name)
                return False

        shared.wait_for(listening, 60, 0.2, "%s up" % name)
        return port

    def start_all(self):
        for host in self.hosts:
            self.start(host)
        self.start(API)

    def send(self, name, signum):
        self.processes[name].send_signal(signum)

    def kill(self, name):
        """SIGKILL: the process ends with no chance to clean up."""
        proc = self.processes.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self, *names, timeout=30):
        """SIGTERM, as an operator stops it; SIGKILL if it hangs. Several
        are told at once, then waited for: they stop side by side."""
        procs = [self.processes.pop(name) for name in names]
        for proc in procs:
            proc.send_signal(signal.SIGCONT)  # a paused one could not exit
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)

    def pause(self, name):
        """SIGSTOP: alive but silent (no heartbeat, no work)."""
        self.send(name, signal.SIGSTOP)

    def resume(self, name):
        self.send(name, signal.SIGCONT)

    def restart(self, host, hard=True, timeout=60):
        """Kill (or stop) a conductor, start it again and wait until it
        serves."""
        if host in self.processes:
            (self.kill if hard else self.stop)(host)
        self.start(host)
        self.wait_alive([host], timeout=timeout)

    def stop_all(self):
        self.stop(*self.processes)

    def check_running(self):
        """Fail with its log when a process we did not end has exited."""
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise AssertionError("%s exited with %s\n%s" % (
                    name, proc.returncode, self.log_tail(name)))

    def log_tail(self, name, lines=30):
        path = self.dir / ("%s.log" % name)
        text = path.read_text(errors="replace") if path.exists() else ""
        tail = text.splitlines()[-lines:]
        return "--- %s (%s) ---\n%s" % (name, path, "\n".join(tail))

    def logs(self, names=None, lines=30):
        """The end of each process's log, for a failure's message."""
        return "\n".join(self.log_tail(name, lines)
                         for name in (names or [API] + self.hosts))

    # -- the REST API --

    def request(self, method, path, body=None, headers=None, timeout=60):
        return shared.request_json(self.port, method, path, body,
                                   dict(HEADERS, **(headers or {})),
                                   timeout)

    def get(self, path):
        status, body = self.request("GET", path)
        assert status == 200, (path, status, body)
        return body

    def services(self):
        """This deployment's conductor services, by host."""
        return {s["host"]: s for s in self.get("/v1/services")["services"]
                if s["host"] in self.engines}

    def hosts_listed(self):
        return {h["hostname"]: h for h in self.get("/v1/hosts")["hosts"]
                if h["hostname"] in self.engines}

    def wait_alive(self, hosts=None, timeout=60):
        """Until the API answers and every given conductor (all by
        default) is up in /v1/services and listening.

        A conductor reports once before it listens and beats only after,
        so one is taken to listen at its second report since it was
        started (or resumed): the first one seen, then a later one.
        """
        hosts = list(hosts or self.hosts)
        first = {}
        services = {}

        def listening():
            nonlocal services
            self.check_running()
            try:
                services = self.services()
            except (OSError, AssertionError):
                services = {}  # the API is not listening yet
            for host in hosts:
                s = services.get(host)
                # Times are shown to the second: a beat of the second it
                # was started in counts as a beat since.
                if s and host not in first and _utc(s["updated_at"]) >= \
                        self.started_at[host].replace(microsecond=0):
                    first[host] = s["report_count"]
            if all(host in first and services[host]["state"] == "up" and
                   services[host]["report_count"] > first[host]
                   for host in hosts):
                return services

        def how():
            return "conductors all up; they are %s\n%s" % (
                {h: services.get(h, {}).get("state", "unlisted")
                 for h in hosts}, self.logs([API] + hosts))

        return shared.wait_for(listening, timeout, 0.2, how)

    def wait_down(self, host, timeout=60):
        """Until the API reports a conductor down (service_down_time)."""
        shared.wait_for(lambda: self.services()[host]["state"] == "down",
                        timeout, 0.2, "%s down" % host)

    def create(self, **fields):
        """One container created and started (run=true); its body."""
        body = dict(image=os.environ["MAGNUM_LITE_TEST_IMAGE"],
                    command=["sleep", "300"], memory="64")
        body.update(fields)
        status, created = self.request("POST", "/v1/containers?run=true",
                                       body)
        assert status == 202, (status, created)
        return created

    def records(self):
        body = self.get("/v1/containers?limit=1000")
        return {c["uuid"]: c for c in body["containers"]}

    def wait_status(self, uuids, status=lifecycle.RUNNING, timeout=60):
        """Until every one of these records has `status` and no task in
        flight; their records by uuid."""
        records = {}
        late = {}

        def settled():
            nonlocal records, late
            records = self.records()
            late = {u: records.get(u) for u in uuids
                    if u not in records or records[u]["status"] != status or
                    records[u]["task_state"] is not None}
            if not late:
                return True
            self.check_running()

        def how():
            hosts = sorted({r["host"] for r in late.values() if r})
            return "%d records %s, no task; %d are not: %s\n%s" % (
                len(uuids), status, len(late),
                {u: r and (r["host"], r["status"], r["task_state"],
                           r["status_reason"]) for u, r in late.items()},
                self.logs(hosts or None))

        shared.wait_for(settled, timeout, 0.2, how)
        return {u: records[u] for u in uuids}

    # -- the engines --

    def docker(self, host):
        """A Docker API client on this host's engine."""
        if host not in self._clients:
            self._clients[host] = docker.APIClient(
                base_url=self.engines[host], version="auto")
        return self._clients[host]

    def census(self):
        """{host: [Found]}: every Docker container on each host's engine
        that one of this deployment's conductors made (by its
        magnum_lite.host label), wherever it was meant to go."""
        found = {}
        for host in self.hosts:
            found[host] = [
                Found(c["Labels"].get(docker_driver.MANAGED_LABEL),
                      c["Labels"][docker_driver.HOST_LABEL], c["State"],
                      c["Id"])
                for c in self.docker(host).containers(
                    all=True, filters={"label": docker_driver.HOST_LABEL})
                if c["Labels"][docker_driver.HOST_LABEL] in self.engines]
        return found

    # -- the end --

    def close(self):
        """Stop the processes, then remove what they made on every engine
        and their queues on the broker. Errors are kept for the end, so
        that one step failing does not leave the others undone."""
        errors = []
        for step in (self.stop_all, self._remove_containers,
                     self._delete_queues):
            try:
                step()
            except Exception as e:
                errors.append("%s: %r" % (step.__name__, e))
        for client in self._clients.values():
            client.close()
        self._clients = {}
        assert not errors, "cleaning up the deployment: %s" % errors

    def _remove_containers(self):
        # A forced remove waits for its container to die: the engines side
        # by side, each with a client only its thread uses (census() made
        # them all here).
        def remove(host, found):
            for c in found:
                self.docker(host).remove_container(c.id, force=True)

        census = self.census()
        with futures.ThreadPoolExecutor(len(census)) as pool:
            for done in [pool.submit(remove, host, found)
                         for host, found in census.items()]:
                done.result()

    def _delete_queues(self):
        shared.forget_on_broker(
            self.rabbit_url, exchanges=(self.topic, self.topic + "_fanout"),
            queues=[self.topic] + ["%s.%s" % (self.topic, h)
                                   for h in self.hosts])


def _routed(url, routes):
    """url, with its server's "host:port" replaced by the one `routes`
    maps it to (if any)."""
    parts = urllib.parse.urlsplit(url)
    to = (routes or {}).get("%s:%s" % (parts.hostname, parts.port))
    if to is None:
        return url
    user, at, _ = parts.netloc.rpartition("@")
    return parts._replace(netloc=user + at + to).geturl()


@contextlib.contextmanager
def deployed(workdir, conductors=3, options=None, conductor_options=(),
             urls=None, routes=None):
    """A started, ready MultiHost on a fresh PostgreSQL database; cleaned
    up after. `options` (sections -> options) go to every process;
    conductor_options[i] to the i-th conductor only, over them. `urls`
    names the engines (a private one to stop, say) instead of the
    stack's first `conductors`. `routes` maps a server's "host:port"
    (PostgreSQL's, RabbitMQ's) to the "host:port" every process reaches
    it at instead, a relay of the test's; the deployment's own setup and
    cleanup reach the servers directly, so that a relay cut at the end
    leaves nothing behind."""
    urls = urls or docker_urls(conductors)
    env = shared.stack()
    rabbit = env["MAGNUM_LITE_TEST_RABBIT_URL"]
    with shared.fresh_database("postgresql", workdir) as url:
        manage = write_conf(workdir / "manage.conf",
                            {"database": {"connection": url}})
        # In a child, as an operator would: this process's own database
        # setup stays whatever other tests made it.
        upgrade = subprocess.run(
            [sys.executable, "-m", "magnum_lite.cmd.manage",
             "--config-file", str(manage), "db", "upgrade"],
            capture_output=True, text=True, cwd=shared.ROOT)
        assert upgrade.returncode == 0, upgrade.stderr
        d = MultiHost(workdir, _routed(url, routes), urls, rabbit,
                      options=merge({"DEFAULT": {
                          "transport_url": _routed(rabbit, routes)}},
                          options),
                      conductor_options=conductor_options)
        try:
            d.start_all()
            d.wait_alive()
            yield d
        finally:
            d.close()
