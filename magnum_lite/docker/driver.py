"""What the conductor asks of one Docker Engine, answered with plain data."""
from docker import types as docker_types
from oslo_log import log as logging
import requests

from magnum_lite import conf as ml_conf
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite.docker import bounded
from magnum_lite.docker import client as docker_client
from magnum_lite.docker import progress as progress_of
from magnum_lite.docker import stats
from magnum_lite.docker import streams

LOG = logging.getLogger(__name__)

MANAGED_LABEL = "magnum_lite.uuid"  # ties a Docker container to its record
HOST_LABEL = "magnum_lite.host"  # the conductor host that created it
RUN_LABEL = "magnum_lite.run"  # "true": the create asked to start it too
# The deployment that made it: two deployments may share an engine, and
# each only ever removes what carries its own (objects.deployment).
DEPLOYMENT_LABEL = "magnum_lite.deployment"
# docker-py's call for each of lifecycle.STATE_CHANGES.
_STATE_CALLS = {"start": "start", "stop": "stop", "reboot": "restart",
                "pause": "pause", "unpause": "unpause", "kill": "kill"}


class DockerDriver:
    """One engine's containers and images; never touches our records."""

    def __init__(self, client, deployment=None):
        self.client = client
        self.deployment = deployment  # put on every container it makes
        self.streams = streams.Streams(client)

    @classmethod
    def from_conf(cls, conf):
        return cls(docker_client.DockerHTTPClient.from_conf(conf))

    def _errors(self, image=None):
        return docker_client.translate_errors(self.client.api_url, image)

    # Images

    def ensure_image(self, ref, policy, progress=None, auth=None):
        """Make `ref` present per the pull policy; its inspect dict. auth:
        {username, password} for its registry, or None."""
        if policy not in ml_conf.PULL_POLICIES:
            raise exception.InvalidParameter(
                reason=f"unknown image pull policy {policy!r}")
        if policy != "always":
            try:
                return self.inspect_image(ref)
            except exception.NotFound:
                if policy == "never":
                    raise exception.ImageNotFound(
                        image=str(ref),
                        reason="not present locally and the pull policy "
                               "is never") from None
        self.pull(ref, progress, auth)
        return self.inspect_image(ref)

    def inspect_image(self, ref):
        with self._errors(image=str(ref)):
            return self.client.inspect_image(ref.exact)

    def pull(self, ref, progress=None, auth=None):
        """Pull exactly ref's digest, or else its tag (never all tags),
        with auth ({username, password}) if given."""
        tracker = progress_of.PullProgress(progress)
        try:
            with self._errors(image=str(ref)):
                stream = self.client.pull(
                    ref.name, tag=ref.digest or ref.tag, stream=True,
                    decode=True, auth_config=auth)
                for event in stream:
                    if "error" in event or "errorDetail" in event:
                        raise _stream_error(ref, event)
                    tracker.update(event)
        except exception.DockerError as e:
            if not _refused_login(e.kwargs.get("explanation", "")):
                raise
            raise exception.RegistryAuthFailed(
                image=str(ref), domain=ref.registry or "docker.io",
                how="with the login given" if auth else
                "without a login (name a registry of the project on the "
                "create, or record one for this domain)",
                explanation=e.kwargs.get("explanation")) from e
        tracker.finish()

    def readable(self, ref, auth=None):
        """Whether the registry lets `auth` ({username, password}, or None
        for anonymous) read ref's manifest: asked through the engine
        (GET /distribution/{name}/json), nothing is downloaded.
        RegistryAuthFailed when it refuses; other errors as themselves."""
        try:
            with self._errors(image=str(ref)):
                self.client.inspect_distribution(str(ref), auth_config=auth)
        except exception.DockerError as e:
            explanation = e.kwargs.get("explanation", "")
            if not _refused_login(explanation) and e.code != 401:
                raise
            raise exception.RegistryAuthFailed(
                image=str(ref), domain=ref.registry or "docker.io",
                how="with the login given" if auth else "without a login",
                explanation=explanation) from e

    def remove_image(self, image):
        """Untag `image` (repo:tag), or remove it (an id); DockerConflict
        while a container uses it, DockerNotFound when it is not there."""
        with self._errors():
            self.client.remove_image(image)

    def images(self):
        with self._errors():
            found = self.client.images()
        return [{"id": i["Id"], "repo_tags": i.get("RepoTags") or [],
                 "size": i.get("Size"), "created": i.get("Created")}
                for i in found]

    def search(self, term):
        """Docker Hub's answer to `docker search term`, through the
        engine (which needs to reach index.docker.io)."""
        with self._errors():
            return self.client.search(term)

    def commit(self, container_id, repository, tag=None):
        with self._errors():
            return self.client.commit(container_id, repository=repository,
                                      tag=tag)["Id"]

    # Containers

    def create(self, spec):
        """Create a container; its id.

        spec: image, name, command, entrypoint, environment, labels,
        workdir, hostname, memory (bytes), cpu (cores), restart_policy
        ({"Name": ..., "MaximumRetryCount": ...}), auto_remove,
        network_mode ("none" unless given), privileged and runtime (the
        engine's default when None), mounts ([(volume, path)]) and
        healthcheck ({test, interval, timeout, retries}, seconds),
        interactive (stdin kept open) and tty; ipc_mode ("shareable", or
        "container:<id>" to join one, as network_mode may); pids_limit
        (0: none), log_max_size (bytes) and log_max_files for json-file's
        rotation, no_new_privileges.
        """
        cpu = spec.get("cpu")
        log_config = None
        if spec.get("log_max_size"):
            log_config = docker_types.LogConfig(
                type=docker_types.LogConfig.types.JSON, config={
                    "max-size": str(spec["log_max_size"]),
                    "max-file": str(spec.get("log_max_files") or 1)})
        with self._errors():
            host_config = self.client.create_host_config(
                mem_limit=spec.get("memory"),
                # Swap as Docker's default (twice the limit), set
                # explicitly so that update() moves both together.
                memswap_limit=spec.get("memory") and 2 * spec["memory"],
                nano_cpus=None if cpu is None else round(cpu * 1e9),
                pids_limit=spec.get("pids_limit") or None,
                log_config=log_config,
                security_opt=["no-new-privileges"]
                if spec.get("no_new_privileges") else None,
                restart_policy=spec.get("restart_policy"),
                auto_remove=bool(spec.get("auto_remove")),
                network_mode=spec.get("network_mode") or "none",
                ipc_mode=spec.get("ipc_mode"),
                privileged=bool(spec.get("privileged")),
                runtime=spec.get("runtime"),
                mounts=[docker_types.Mount(path, volume, type="volume")
                        for volume, path in spec.get("mounts") or ()])
            labels = dict(spec.get("labels") or {})
            if self.deployment:
                labels[DEPLOYMENT_LABEL] = self.deployment
            created = self.client.create_container(
                str(spec["image"]), command=spec.get("command"),
                name=spec.get("name"), entrypoint=spec.get("entrypoint"),
                environment=spec.get("environment") or {},
                labels=labels,
                working_dir=spec.get("workdir"),
                hostname=spec.get("hostname"), host_config=host_config,
                stdin_open=bool(spec.get("interactive")),
                tty=bool(spec.get("tty")),
                healthcheck=_healthcheck(spec.get("healthcheck")))
        for warning in created.get("Warnings") or ():
            LOG.warning("Docker warns about container %s: %s",
                        created["Id"], warning)
        return created["Id"]

    # Volumes

    def ensure_volume(self, name, labels):
        """Make the named local volume unless it exists (Docker's create
        returns the one there)."""
        with self._errors():
            self.client.create_volume(name, driver="local", labels=labels)

    def remove_volume(self, name):
        """Remove the volume and its data; False when it is not there,
        DockerConflict while a container uses it."""
        try:
            with self._errors():
                self.client.remove_volume(name)
        except exception.DockerNotFound:
            return False
        return True

    def volumes(self, label):
        """Names of the volumes that carry `label`."""
        with self._errors():
            found = self.client.volumes(filters={"label": label})
        return [v["Name"] for v in found.get("Volumes") or ()]

    def change_state(self, container_id, action, **options):
        """Do one of lifecycle.STATE_CHANGES: start, stop (timeout),
        reboot (timeout), pause, unpause or kill (signal)."""
        call = getattr(self.client, _STATE_CALLS[action])
        with self._errors():
            call(container_id, **options)

    def remove(self, container_id, force=False):
        """Remove the container; False when Docker has no such container."""
        try:
            with self._errors():
                self.client.remove_container(container_id, force=force)
        except exception.DockerNotFound:
            return False
        return True

    def wait(self, container_id, timeout):
        """The container's exit code once it has ended; None when it still
        runs after `timeout` seconds."""
        with self._errors():
            try:
                return self.client.wait(container_id,
                                        timeout=timeout)["StatusCode"]
            except requests.exceptions.ReadTimeout:
                return None

    def inspect(self, container_id):
        with self._errors():
            return self.client.inspect_container(container_id)

    def status(self, container_id):
        """(our status, Docker's State dict) of the container."""
        state = self.inspect(container_id).get("State") or {}
        return lifecycle.status_from_docker(state), state

    def rename(self, container_id, name):
        with self._errors():
            self.client.rename(container_id, name)

    def update(self, container_id, memory=None, cpu=None):
        """Change the memory (bytes) and/or cpu (cores) limits, live."""
        resources = {}
        if memory is not None:
            # Swap limit must move with memory or raising fails (409) and
            # -1 fails in runc on cgroup v1; 2x is Docker's own default.
            resources.update(Memory=memory, MemorySwap=2 * memory)
        if cpu is not None:
            resources["NanoCpus"] = round(cpu * 1e9)
        if not resources:
            return
        with self._errors():
            result = self.client.update_resources(container_id, resources)
        for warning in result.get("Warnings") or ():
            LOG.warning("Docker warns about updating container %s: %s",
                        container_id, warning)

    def list_managed(self, host=None):
        """Every container (running or not) that carries our uuid label;
        with host, only those that conductor host created."""
        labels = [MANAGED_LABEL]
        if host is not None:
            labels.append("%s=%s" % (HOST_LABEL, host))
        with self._errors():
            found = self.client.containers(all=True,
                                           filters={"label": labels})
        return [{"id": c["Id"],
                 "uuid": (c.get("Labels") or {}).get(MANAGED_LABEL),
                 "run": (c.get("Labels") or {}).get(RUN_LABEL) == "true",
                 "deployment": (c.get("Labels") or {}).get(DEPLOYMENT_LABEL),
                 "status": _status_from_list_state(c.get("State")),
                 "name": c["Names"][0].lstrip("/") if c.get("Names") else None}
                for c in found]

    def events(self, since=None):
        """Docker's stream of events about our containers, from `since`
        (Docker's "seconds.nanoseconds") on. Iterating blocks between
        events and ends, or raises DockerUnavailable, when the engine goes
        away; close() from another thread ends it too."""
        with self._errors():
            stream = self.client.events(
                since=since, decode=True,
                filters={"type": "container", "label": MANAGED_LABEL})
        return _EventStream(stream, self._errors)

    # Inside a container

    def logs(self, container_id, stdout=True, stderr=True, tail="all",
             since=None, timestamps=False, limit=bounded.DEFAULT_LIMIT,
             with_cut=False):
        """The log's newest `limit` bytes, as text; with_cut, {"output":
        that text, "cut": how many bytes the log had, or None when it was
        not cut}. Read in chunks: no more than the limit is held."""
        with self._errors():
            kept = self.client.logs_tail(
                container_id, limit, stdout=stdout, stderr=stderr, tail=tail,
                since=since, timestamps=timestamps)
        text = kept.text()
        return {"output": text, "cut": kept.cut} if with_cut else text

    def execute(self, container_id, command, run=True, timeout=30,
                limit=bounded.DEFAULT_LIMIT):
        """Run `command`; its output (the newest `limit` bytes), exit code,
        exec id, and cut: how many bytes the output had when more than
        `limit`, else None.

        ExecuteTimeout when it has not finished within `timeout` seconds
        (it goes on in the container: Docker cannot stop an exec). With
        run=False the exec is only created: its id is returned for a later
        start, and output, exit_code and cut are None.
        """
        with self._errors():
            exec_id = self.client.exec_create(container_id, command,
                                              stdout=True, stderr=True)["Id"]
            if not run:
                return {"output": None, "exit_code": None, "exec_id": exec_id,
                        "cut": None}
            kept = self.client.exec_output(exec_id, timeout, limit)
            exit_code = self.client.exec_inspect(exec_id)["ExitCode"]
        return {"output": kept.text(), "exit_code": exit_code,
                "exec_id": exec_id, "cut": kept.cut}

    def top(self, container_id, ps_args=None):
        with self._errors():
            return self.client.top(container_id, ps_args=ps_args)

    def stats(self, container_id):
        """One summary of resource use.

        Not one_shot: the engine then samples twice, about 1 s apart, so the
        cpu percent means something.
        """
        with self._errors():
            raw = self.client.stats(container_id, stream=False)
        return stats.summarize(raw)

    def get_archive(self, container_id, path, limit=bounded.DEFAULT_LIMIT):
        """(tar as a bytearray, stat dict) of `path` in the container;
        AnswerTooLarge when the tar is over `limit` bytes (read no
        further)."""
        with self._errors():
            return self.client.archive_at_most(container_id, path, limit)

    def put_archive(self, container_id, path, data):
        """Extract the tar `data` into directory `path` of the container."""
        with self._errors():
            self.client.put_archive(container_id, path, data)

    # The engine

    def ping(self, timeout):
        """Whether the engine answers /_ping within `timeout` seconds:
        DockerUnavailable (or DockerError) when it does not. Through the
        client's own requests session (public API), so a stopped engine
        fails at once and a hung one after `timeout`."""
        with self._errors():
            answer = self.client.get(self.client.base_url + "/_ping",
                                     timeout=timeout)
            answer.raise_for_status()

    def info(self):
        with self._errors():
            info = self.client.info()
        return {"version": info.get("ServerVersion"),
                "api_version": self.client.api_version,
                "cpus": info.get("NCPU"),
                "memory": info.get("MemTotal"),
                "containers": info.get("Containers"),
                "containers_running": info.get("ContainersRunning"),
                "containers_paused": info.get("ContainersPaused"),
                "containers_stopped": info.get("ContainersStopped"),
                "images": info.get("Images"),
                "os": info.get("OperatingSystem"),
                "kernel_version": info.get("KernelVersion"),
                "runtimes": sorted(info.get("Runtimes") or {}),
                "architecture": info.get("Architecture"),
                "os_type": info.get("OSType")}


class _EventStream:
    def __init__(self, stream, errors):
        self._stream = stream
        self._errors = errors

    def __iter__(self):
        with self._errors():
            yield from self._stream

    def close(self):
        self._stream.close()


# How the engine says a registry wants a login, or refused the one given.
# It answers 500 to both (Docker 20.10.24, Debian's docker.io, on
# distribution 2.8's htpasswd auth), so only its words tell; the first is
# Docker's own, the second the registry's UNAUTHORIZED error code.
# tests/integration/test_registries.py pulls from a real registry that
# requires a login, with none and with a wrong one, and holds this.
_LOGIN_REFUSED = ("no basic auth credentials", "unauthorized:")


def _refused_login(explanation):
    return any(words in explanation for words in _LOGIN_REFUSED)


def _stream_error(ref, event):
    """The exception for an error the engine reported inside a pull stream.

    The stream carries no HTTP status; its errorDetail may carry a code.
    """
    detail = event.get("errorDetail") or {}
    explanation = detail.get("message") or event.get("error") or str(event)
    if detail.get("code") == 404:
        return exception.ImageNotFound(image=str(ref), reason=explanation)
    return exception.DockerError(explanation=explanation)


def _healthcheck(check):
    """Docker's Healthcheck from ours (seconds; Docker counts in ns)."""
    if not check:
        return None
    return {"test": ["CMD-SHELL", check["test"]],
            **{key: check[key] * 10 ** 9 for key in ("interval", "timeout")
               if check.get(key)},
            **({"retries": check["retries"]} if check.get("retries")
               else {})}


def _status_from_list_state(state):
    """Our status from the one-word State of GET /containers/json."""
    return lifecycle.status_from_docker(state and {
        "Status": state,
        "Running": state in ("running", "paused"),
        "Paused": state == "paused",
        "Restarting": state == "restarting",
    })
