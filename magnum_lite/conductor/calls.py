"""The conductor's calls that ask its engine and write no record: reads
of a container, images (list, pull, delete, search) and volumes."""
import base64
import functools

from oslo_log import log as logging
import oslo_messaging as messaging

from magnum_lite.conductor import build
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects


LOG = logging.getLogger(__name__)


def call(method):
    """An RPC call whose failures are the caller's to tell (a tenant's
    mistake, an engine's refusal): one WARNING line here, not
    oslo.messaging's ERROR traceback (it logs an expected exception at
    debug), and the exception goes to the caller as before."""
    @functools.wraps(method)
    def run(self, context, *args, **kwargs):
        try:
            return method(self, context, *args, **kwargs)
        except exception.MagnumLiteError as error:
            about = kwargs.get("container", args[0] if args else None)
            LOG.warning("%s%s: %s", method.__name__,
                        " of container %s" % about.uuid
                        if hasattr(about, "uuid") else "", error.message)
            raise
    # oslo.messaging's wrapper keeps no name or signature of its own.
    return functools.wraps(method)(
        messaging.expected_exceptions(exception.MagnumLiteError)(run))


class Calls:
    """Mixed into ConductorManager, which gives it _conf, _driver and
    _proxy (the websocket proxy, or None)."""

    def _read(self, context, container, action):
        container = objects.Container.get(context.elevated(), container.uuid)
        lifecycle.check(action, container)
        return container.container_id

    @call
    def logs(self, context, container, stdout=True, stderr=True, tail="all",
             since=None, timestamps=False, with_cut=False):
        # A caller at 1.5 asks with_cut: {"output", "cut"}; before, text.
        return self._driver.logs(self._read(context, container, "logs"),
                                 stdout=stdout, stderr=stderr, tail=tail,
                                 since=since, timestamps=timestamps,
                                 limit=self._conf.api.max_output_bytes,
                                 with_cut=with_cut)

    @call
    def execute(self, context, container, command, run=True,
                interactive=False):
        docker_id = self._read(context, container, "execute")
        if not interactive:
            return self._driver.execute(
                docker_id, command, run=run,
                timeout=self._conf.docker.execute_timeout,
                limit=self._conf.api.max_output_bytes)
        exec_id = self._driver.streams.exec_create(docker_id, command)
        return {"output": None, "exit_code": None, "exec_id": exec_id,
                "proxy_url": self._proxy_of().url(
                    container.uuid, container.project_id, docker_id,
                    exec_id)}

    @call
    def attach(self, context, container):
        docker_id = self._read(context, container, "attach")
        return self._proxy_of().url(container.uuid, container.project_id,
                                    docker_id, tty=bool(container.tty))

    @call
    def resize(self, context, container, height, width):
        docker_id = self._read(context, container, "resize")
        self._driver.streams.resize(docker_id, height, width)

    @call
    def execute_resize(self, context, container, exec_id, height, width):
        docker_id = self._read(context, container, "execute_resize")
        found = self._driver.streams.exec_inspect(exec_id)
        if found.get("ContainerID") != docker_id:
            # An exec id is no secret of its container's: say nothing of
            # another's.
            raise exception.NotFound(
                f"Exec {exec_id} could not be found in container "
                f"{container.uuid}.")
        if not found.get("Running"):
            # Not started yet (the client resizes as it connects): the
            # proxy sets the size when it starts the exec.
            self._proxy_of().size_later(exec_id, height, width)
            return
        self._driver.streams.exec_resize(exec_id, height, width)

    def _proxy_of(self):
        if self._proxy is None:
            raise exception.Conflict(
                reason=f"Host {self._conf.host} serves no interactive "
                       "sessions ([websocket_proxy] enabled is false).")
        return self._proxy

    @call
    def top(self, context, container, ps_args=None):
        return self._driver.top(self._read(context, container, "top"),
                                ps_args)

    @call
    def stats(self, context, container):
        return self._driver.stats(self._read(context, container, "stats"))

    @call
    def get_archive(self, context, container, path):
        data, stat = self._driver.get_archive(
            self._read(context, container, "get_archive"), path,
            limit=self._conf.api.max_output_bytes)
        data = base64.b64encode(data)  # let the tar go before the text
        return {"data": data.decode("ascii"), "stat": stat}

    @call
    def put_archive(self, context, container, path, data):
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise exception.InvalidParameter(
                reason="data must be a base64-encoded tar archive.")
        self._driver.put_archive(
            self._read(context, container, "put_archive"), path, raw)

    @call
    def images(self, context):
        return self._driver.images()

    @call
    def image_delete(self, context, image):
        self._driver.remove_image(image)

    @call
    def image_pull(self, context, image):
        return build.pull_image(self._conf, self._driver, context, image)

    @call
    def image_search(self, context, term, exact=False):
        return build.search(self._conf, self._driver, context, term, exact)

    @call
    def volume_delete(self, context, name):
        self._driver.remove_volume(name)

    @call
    def commit(self, context, container, repository, tag=None):
        image_id = self._driver.commit(
            self._read(context, container, "commit"), repository, tag)
        return {"uuid": image_id}
