"""A real Keystone and magnum_lite's all-in-one behind keystonemiddleware."""
import contextlib
import dataclasses
import datetime
import os
import socket
import subprocess
import sys
import uuid

import docker
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import pytest
import requests

from harness import stack as shared

API_VERSION = "container 1.40"
OPENSTACK = os.path.join(os.path.dirname(sys.executable), "openstack")
ENV_NAMES = ("MAGNUM_LITE_TEST_KEYSTONE_URL",
             "MAGNUM_LITE_TEST_KEYSTONE_API_PORT",
             "MAGNUM_LITE_TEST_KEYSTONE_ADMIN_PASSWORD",
             "MAGNUM_LITE_TEST_KEYSTONE_SERVICE_PASSWORD",
             "MAGNUM_LITE_TEST_KEYSTONE_USER_PASSWORD")
# Images the tests commit are named so, and removed at the end.
COMMIT_REPOSITORY = "ml-keystone-test"
# How long auth_token keeps a validated token here (see the config below).
TOKEN_CACHE_SECONDS = 3


@dataclasses.dataclass
class Keystone:
    url: str
    api_port: int
    admin_password: str
    service_password: str
    user_password: str

    def session(self, user, project):
        """A keystoneauth session of `user`, scoped to `project`."""
        password = {"admin": self.admin_password,
                    "magnum_lite": self.service_password}.get(
                        user, self.user_password)
        return ks_session.Session(auth=v3.Password(
            auth_url=self.url, username=user, password=password,
            project_name=project, user_domain_name="Default",
            project_domain_name="Default"))

    def token(self, user, project):
        """A new project-scoped token of `user`."""
        return self.session(user, project).get_token()

    def revoke(self, token):
        """Revoke `token`, as its own holder may."""
        response = requests.delete(self.url + "/auth/tokens", headers={
            "X-Auth-Token": token, "X-Subject-Token": token}, timeout=30)
        assert response.status_code == 204, response.text

    @contextlib.contextmanager
    def expiring_token(self, user, project, seconds):
        """(token, expires_at) of a token that Keystone itself ends in
        about `seconds`: Keystone caps the expiry of a token issued for an
        application credential at the credential's own (CVE-2022-2447).
        The credential is deleted afterwards, and only then: Keystone
        looks it up whenever it validates the token, so deleting it would
        end the token before its expiry does."""
        owner = self.session(user, project)
        user_id = owner.get_user_id()
        expires = (datetime.datetime.now(datetime.timezone.utc) +
                   datetime.timedelta(seconds=seconds))
        credentials = "%s/users/%s/application_credentials" % (self.url,
                                                                user_id)
        credential = owner.post(credentials, json={"application_credential": {
            "name": "expiring-" + uuid.uuid4().hex[:8],
            "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.%f")}}).json()[
                "application_credential"]
        try:
            auth = v3.ApplicationCredential(
                auth_url=self.url,
                application_credential_id=credential["id"],
                application_credential_secret=credential["secret"])
            access = auth.get_access(ks_session.Session(auth=auth))
            yield access.auth_token, access.expires
        finally:
            owner.delete(credentials + "/" + credential["id"])


def keystone():
    """The test Keystone (`.ci/keystone up`, run here when its variables
    are missing); the test fails, never skips, when it does not answer."""
    if any(name not in os.environ for name in ENV_NAMES):
        run = shared.up("keystone")
        if run.returncode:
            pytest.fail("Keystone did not come up (.ci/keystone up): " +
                        run.stderr.strip(), pytrace=False)
    env = os.environ
    ks = Keystone(env["MAGNUM_LITE_TEST_KEYSTONE_URL"],
                  int(env["MAGNUM_LITE_TEST_KEYSTONE_API_PORT"]),
                  env["MAGNUM_LITE_TEST_KEYSTONE_ADMIN_PASSWORD"],
                  env["MAGNUM_LITE_TEST_KEYSTONE_SERVICE_PASSWORD"],
                  env["MAGNUM_LITE_TEST_KEYSTONE_USER_PASSWORD"])
    try:
        ks.token("admin", "admin")
    except ks_exceptions.ClientException as e:
        error = str(e)
    else:
        return ks
    # Outside the except block, so that the report is this one line.
    pytest.fail("Keystone at %s does not answer (start it with "
                "`eval \"$(bash .ci/keystone up)\"`): %s" % (ks.url, error),
                pytrace=False)


def config(ks):
    """What an all-in-one behind this Keystone adds to its config: the
    Keystone, and capsules' sandboxes of the stack's image that keeps
    running."""
    return f"""\
[api]
auth_strategy = keystone

[capsule]
sandbox_image = {shared.stack()["MAGNUM_LITE_TEST_SLEEPER_IMAGE"]}

[keystone_authtoken]
auth_type = password
auth_url = {ks.url}
username = magnum_lite
password = {ks.service_password}
project_name = service
user_domain_name = Default
project_domain_name = Default
www_authenticate_uri = {ks.url}
interface = public
# magnum_lite reads no X-Service-Catalog; without it Keystone answers a
# validation in about half the time.
include_service_catalog = false
# Without memcached, auth_token keeps every token it validated in this
# process for token_cache_time seconds, and a revoked token keeps working
# until then: with the default (300) operators get up to five minutes of
# it. Here a few seconds, so that revocation shows within the test while a
# burst of requests with one token still asks Keystone once.
token_cache_time = {TOKEN_CACHE_SECONDS}
"""


@dataclasses.dataclass
class AllInOne:
    url: str  # the root: paths below it start with /v1
    host: str
    docker: docker.APIClient
    image: str


def _listening(port):
    # Not bind(): a port whose last connections are in TIME_WAIT is free
    # to a server (which sets SO_REUSEADDR) yet refuses a plain bind.
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def all_in_one(ks, state, extra_config="", port=None):
    """harness/stack.all_in_one behind this Keystone ([api] auth_strategy
    = keystone), on `port`: the one Keystone's catalog names for service
    type container unless told; with `extra_config`. Afterwards, besides
    its containers, every image committed in a project's namespace goes."""
    port = port or ks.api_port
    if _listening(port):
        pytest.fail("127.0.0.1:%d, the port Keystone's catalog names for "
                    "magnum_lite, is taken (another test run?)" % port,
                    pytrace=False)
    env = shared.stack()
    client = docker.APIClient(base_url=env["MAGNUM_LITE_TEST_DOCKER_URL"],
                              version="auto")
    try:
        with shared.all_in_one(state, config(ks) + extra_config,
                               port=port) as aio:
            yield AllInOne("http://127.0.0.1:%d" % port, aio.host, client,
                           env["MAGNUM_LITE_TEST_IMAGE"])
    finally:
        # Commits land in their project's namespace: <ns>/<project>/<repo>.
        for image in client.images(filters={
                "reference": "*/*/" + COMMIT_REPOSITORY}):
            client.remove_image(image["Id"], force=True)
        client.close()


class Client:
    """Raw HTTP to the API with one token, at the latest microversion."""

    def __init__(self, url, token):
        self.url = url
        self.token = token
        self._http = requests.Session()

    def request(self, method, path, params=None, json=None):
        """`path` from the root ("/v1/containers"); a requests.Response.
        Without a token, no X-Auth-Token header at all."""
        headers = {"OpenStack-API-Version": API_VERSION}
        if self.token:
            headers["X-Auth-Token"] = self.token
        return self._http.request(method, self.url + path, params=params,
                                  json=json, headers=headers, timeout=60)

    def get(self, path, **params):
        return self.request("GET", path, params=params)


def openstack(ks, user, project, *args):
    """`openstack appcontainer ARGS` as `user`: password auth, and the
    endpoint found in Keystone's catalog. Its stdout."""
    # Only our flags: no OS_* variable of the caller's may choose a cloud.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    run = subprocess.run(
        [OPENSTACK, "--os-auth-url", ks.url, "--os-username", user,
         "--os-password", ks.user_password, "--os-project-name", project,
         "--os-user-domain-name", "Default",
         "--os-project-domain-name", "Default", "appcontainer", *args],
        capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout
