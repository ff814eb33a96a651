"""Fixtures for the API tests: the real WSGI app on a real database, with a
recording stand-in for the conductor.

Test modules load this as a plugin (`pytest_plugins`), so its fixtures are
defined once. Every test runs on SQLite and on PostgreSQL; each backend's
database is migrated once per session and emptied after every test.
"""
import base64
import io
import json
import tarfile

import pytest
import sqlalchemy as sa
import webob

from harness import stack as shared
from magnum_lite.api import app as api_app
from magnum_lite import context as ml_context
from magnum_lite.db import api as db
from magnum_lite.db import models
from magnum_lite import lifecycle
from magnum_lite import objects
BACKENDS = ("sqlite", "postgresql")
LATEST = "1.40"
HOST = "host-a"
MiB = 1024 * 1024


@pytest.fixture(scope="session", params=BACKENDS)
def api_database(request, tmp_path_factory):
    """One migrated database per backend for the whole session."""
    with shared.migrated_database(
            request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture
def database(api_database):
    """This process's engine on the backend's database, emptied after."""
    engine = db.configured()
    if engine is None or engine.url.render_as_string(
            hide_password=False) != api_database:
        db.configure(api_database)
    yield api_database
    with db.get_engine().begin() as conn:
        for table in reversed(models.Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def conf():
    # No quota unless a test sets one: most tests are about something else.
    # No conductor beats here: a report_host() stays fresh for the test.
    # The stack's registries are allowed, as in every test deployment.
    return shared.make_conf(
        api={"max_limit": 50}, quota=NO_QUOTA,
        conductor={"service_down_time": 600},
        registries={"allowed_hosts": shared.allowed_registries()})


NO_QUOTA = {"containers": -1, "memory": -1, "cpu": -1}


class FakeConductor:
    """Stands in for ConductorAPI: records each call, answers as the real
    one does, and writes only what the real one's calls return (rename,
    update). `fail[method] = error` makes a method raise.

    It cannot drift: tests/unit/test_fake_conductor.py holds its methods'
    signatures to ConductorAPI's, and tests/integration/test_conductor.py
    holds its answers' shapes to a live conductor's."""

    def __init__(self):
        self.calls = []
        self.fail = {}

    def _call(self, method, container, /, **kwargs):
        self.calls.append((method, container.uuid, kwargs))
        if method in self.fail:
            raise self.fail[method]

    def names(self):
        return [call[0] for call in self.calls]

    def create(self, context, container, run=False):
        self._call("create", container, run=run)

    def start(self, context, container):
        self._call("start", container)

    def stop(self, context, container, timeout=lifecycle.STOP_TIMEOUT):
        self._call("stop", container, timeout=timeout)

    def reboot(self, context, container, timeout=lifecycle.STOP_TIMEOUT):
        self._call("reboot", container, timeout=timeout)

    def pause(self, context, container):
        self._call("pause", container)

    def unpause(self, context, container):
        self._call("unpause", container)

    def kill(self, context, container, signal=None):
        self._call("kill", container, signal=signal)

    def delete(self, context, container, force=False, stop=False):
        self._call("delete", container, force=force, stop=stop)

    def attach(self, context, container):
        self._call("attach", container)
        return "ws://127.0.0.1:6784/?token=t0k3n&uuid=" + container.uuid

    def resize(self, context, container, height, width):
        self._call("resize", container, height=height, width=width)

    def execute_resize(self, context, container, exec_id, height, width):
        self._call("execute_resize", container, exec_id=exec_id,
                   height=height, width=width)

    def rebuild(self, context, container, image=None, run=False):
        self._call("rebuild", container, image=image, run=run)

    def update(self, context, container, patch):
        self._call("update", container, patch=patch)
        for key, value in patch.items():
            setattr(container, key, value)
        container.save()
        return container

    def rename(self, context, container, name):
        self._call("rename", container, name=name)
        container.name = name
        container.save()
        return container

    def logs(self, context, container, stdout=True, stderr=True, tail="all",
             since=None, timestamps=False, with_cut=False):
        self._call("logs", container, stdout=stdout, stderr=stderr,
                   tail=tail, since=since, timestamps=timestamps)
        text = "hello\nworld\n"
        return {"output": text, "cut": None} if with_cut else text

    def execute(self, context, container, command, run=True,
                interactive=False):
        if interactive:
            self._call("execute", container, command=command, run=False,
                       interactive=True)
            return {"output": None, "exit_code": None, "exec_id": "e" * 64,
                    "proxy_url": "ws://127.0.0.1:6784/?token=t0k3n&uuid="
                                 + container.uuid}
        self._call("execute", container, command=command, run=run)
        return {"output": "hi\n", "exit_code": 3,
                "exec_id": "e" * 64, "cut": None}

    def top(self, context, container, ps_args=None):
        self._call("top", container, ps_args=ps_args)
        return {"Titles": ["PID", "CMD"], "Processes": [["1", "sleep 60"]]}

    def stats(self, context, container):
        self._call("stats", container)
        return {"cpu_percent": 0.5, "memory_usage": 3 * MiB // 2,
                "memory_limit": 64 * MiB, "memory_percent": 2.34,
                "block_read": 4096, "block_write": 0, "net_rx": 0,
                "net_tx": 0, "pids": 1}

    def get_archive(self, context, container, path, as_text=False):
        self._call("get_archive", container, path=path, as_text=as_text)
        tar = tar_of("hello.txt", b"hi")
        return {"data": tar.decode() if as_text
                else base64.b64encode(tar).decode(),
                "stat": {"name": "hello.txt", "size": 2, "mode": 420,
                         "mtime": "2026-12-01T10:00:00Z", "linkTarget": ""}}

    def put_archive(self, context, container, path, data):
        self._call("put_archive", container, path=path, data=data)

    def commit(self, context, container, repository, tag=None):
        self._call("commit", container, repository=repository, tag=tag)
        return {"uuid": "sha256:" + "ab" * 32}

    def image_pull(self, context, host, image):
        self.calls.append(("image_pull", host, {"image": image}))
        if "image_pull" in self.fail:
            raise self.fail["image_pull"]
        return {"id": "sha256:" + "ab" * 32, "size": 4321,
                "repo_tags": [image if ":" in image else image + ":latest"],
                "created": 0}

    def image_delete(self, context, host, image):
        self.calls.append(("image_delete", host, {"image": image}))
        if "image_delete" in self.fail:
            raise self.fail["image_delete"]

    def image_search(self, context, host, term, exact=False):
        self.calls.append(("image_search", host, {"term": term,
                                                  "exact": exact}))
        if "image_search" in self.fail:
            raise self.fail["image_search"]
        return [{"name": "127.0.0.1:5051/test/busybox", "tags": ["1.0"],
                 "description": "", "metadata": {}}]

    def volume_delete(self, context, host, name):
        self.calls.append(("volume_delete", host, {"name": name}))
        if "volume_delete" in self.fail:
            raise self.fail["volume_delete"]

    def images(self, context, host):
        self.calls.append(("images", host, {}))
        return [{"id": "sha256:" + "cd" * 32, "size": 1234,
                 "repo_tags": ["localbusybox:latest", "team/app:1.0"],
                 "created": 0},
                {"id": "sha256:" + "ef" * 32, "size": 99, "repo_tags": [],
                 "created": 0}]


def tar_of(name, content):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@pytest.fixture
def conductor():
    return FakeConductor()


@pytest.fixture
def app(database, conf, conductor):
    return api_app.build_app(conf, conductor)


class Client:
    """Requests to the WSGI app as a tenant of `project` with `roles`."""

    def __init__(self, app, project="project-a", user="user-a",
                 roles="member", version=LATEST):
        self.app = app
        self.project, self.user = project, user
        self.roles, self.version = roles, version

    def as_(self, **kwargs):
        values = {"project": self.project, "user": self.user,
                  "roles": self.roles, "version": self.version, **kwargs}
        return Client(self.app, **values)

    def request(self, method, path, body=None, raw=None, headers=None,
                content_type="application/json"):
        request = webob.Request.blank(path, method=method)
        request.headers.update({"X-Project-Id": self.project,
                                "X-User-Id": self.user,
                                "X-Roles": self.roles})
        if self.version:
            request.headers["OpenStack-API-Version"] = (
                "container " + self.version)
        if body is not None:
            raw = json.dumps(body).encode()
        if raw is not None:
            request.body = raw
            request.content_type = content_type
        request.headers.update(headers or {})
        return request.get_response(self.app)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body=body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.request("PATCH", path, body=body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, body=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(app):
    return Client(app)


@pytest.fixture
def admin(api):
    return api.as_(project="admin-project", user="admin", roles="admin")


@pytest.fixture
def conductor_host(database):
    """An up conductor service, so creates have a host to go to."""
    return report_host(HOST)


# Room for every test's containers, unless a test says otherwise.
ROOMY = {"memory_mb": 1 << 20, "cpus": 1024.0, "labels": {}}


def report_host(host, **capacity):
    """A conductor's heartbeat, with its host's capacity (ROOMY unless
    told)."""
    return objects.Service.report(ml_context.admin_context(), host,
                                  "magnum-lite-conductor",
                                  capacity=dict(ROOMY, **capacity))


@pytest.fixture
def make_container(database):
    """Write a container record directly, in any status."""
    def make(name="web", status=lifecycle.RUNNING, project="project-a",
             **fields):
        context = ml_context.RequestContext(project_id=project,
                                            user_id="user-a")
        values = {"image": "busybox", "host": HOST,
                  "command": ["sleep", "60"], "memory": 64,
                  "environment": {}, "labels": {}, **fields}
        container = objects.Container(context, name=name, status=status,
                                      project_id=project, user_id="user-a",
                                      **values)
        container.create()
        return container
    return make


def container_rows():
    """Every container record, whatever its project."""
    with db.get_engine().connect() as conn:
        return conn.execute(sa.select(models.Container)).all()


def error_of(response):
    """The single API-SIG error of an error response, checked for form."""
    assert response.content_type == "application/json", response.body
    assert response.headers["X-OpenStack-Request-Id"].startswith("req-")
    [error] = response.json["errors"]
    assert set(error) == {"status", "code", "title", "detail",
                          "request_id"}
    assert error["status"] == response.status_int
    assert error["code"].startswith("magnum_lite.")
    assert error["title"] and error["detail"]
    assert error["request_id"] == response.headers["X-OpenStack-Request-Id"]
    return error


class LifelikeConductor(FakeConductor):
    """A FakeConductor that also finishes each cast at once, writing the
    status the real conductor would, so a client can walk a lifecycle."""

    def _finish(self, container, status):
        record = objects.Container.get(ml_context.admin_context(),
                                       container.uuid)
        record.status = status
        record.save()

    def create(self, context, container, run=False):
        super().create(context, container, run=run)
        self._finish(container,
                     lifecycle.RUNNING if run else lifecycle.CREATED)

    def start(self, context, container):
        super().start(context, container)
        self._finish(container, lifecycle.RUNNING)

    def stop(self, context, container, timeout=lifecycle.STOP_TIMEOUT):
        super().stop(context, container, timeout=timeout)
        self._finish(container, lifecycle.STOPPED)

    def reboot(self, context, container, timeout=lifecycle.STOP_TIMEOUT):
        super().reboot(context, container, timeout=timeout)
        self._finish(container, lifecycle.RUNNING)

    def pause(self, context, container):
        super().pause(context, container)
        self._finish(container, lifecycle.PAUSED)

    def unpause(self, context, container):
        super().unpause(context, container)
        self._finish(container, lifecycle.RUNNING)

    def kill(self, context, container, signal=None):
        super().kill(context, container, signal=signal)
        self._finish(container, lifecycle.STOPPED)

    def delete(self, context, container, force=False, stop=False):
        super().delete(context, container, force=force, stop=stop)
        container.destroy()
