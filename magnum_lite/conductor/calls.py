"""The conductor's calls that ask its engine and write no record: reads
of a container, images (list, pull, delete, search) and volumes."""
import base64

from magnum_lite.conductor import build
from magnum_lite import exception
from magnum_lite import lifecycle
from magnum_lite import objects


class Calls:
    """Mixed into ConductorManager, which gives it _conf and _driver."""

    def _read(self, context, container, action):
        container = objects.Container.get(context.elevated(), container.uuid)
        lifecycle.check(action, container)
        return container.container_id

    def logs(self, context, container, stdout=True, stderr=True, tail="all",
             since=None, timestamps=False):
        return self._driver.logs(self._read(context, container, "logs"),
                                 stdout=stdout, stderr=stderr, tail=tail,
                                 since=since, timestamps=timestamps)

    def execute(self, context, container, command, run=True):
        return self._driver.execute(self._read(context, container, "execute"),
                                    command, run=run,
                                    timeout=self._conf.docker.execute_timeout)

    def top(self, context, container, ps_args=None):
        return self._driver.top(self._read(context, container, "top"),
                                ps_args)

    def stats(self, context, container):
        return self._driver.stats(self._read(context, container, "stats"))

    def get_archive(self, context, container, path):
        data, stat = self._driver.get_archive(
            self._read(context, container, "get_archive"), path)
        return {"data": base64.b64encode(data).decode("ascii"), "stat": stat}

    def put_archive(self, context, container, path, data):
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise exception.InvalidParameter(
                reason="data must be a base64-encoded tar archive.")
        self._driver.put_archive(
            self._read(context, container, "put_archive"), path, raw)

    def images(self, context):
        return self._driver.images()

    def image_delete(self, context, image):
        self._driver.remove_image(image)

    def image_pull(self, context, image):
        return build.pull_image(self._conf, self._driver, context, image)

    def image_search(self, context, term, exact=False):
        return build.search(self._conf, self._driver, context, term, exact)

    def volume_delete(self, context, name):
        self._driver.remove_volume(name)

    def commit(self, context, container, repository, tag=None):
        image_id = self._driver.commit(
            self._read(context, container, "commit"), repository, tag)
        return {"uuid": image_id}
