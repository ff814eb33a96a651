"""An error that crossed the message bus answers as the local one does:
no traceback, no server path, no "_remote" in the code (issue 26)."""
import uuid

import oslo_messaging as messaging
import pytest
import webob

from harness import stack as shared
from magnum_lite.api import errors
from magnum_lite import context as ml_context
from magnum_lite import exception
from magnum_lite import rpc
# Every kind a conductor raises to an API, with its arguments.
KINDS = [
    exception.ExecuteTimeout(timeout=30),
    exception.ImageNotFound(image="busybox:9", reason="not in the registry"),
    exception.RegistryAuthFailed(image="r/x:1", domain="r", how="without "
                                 "a login", explanation="unauthorized:"),
    exception.DockerConflict(explanation="is paused"),
    exception.DockerUnavailable(url="unix:///x.sock", reason="refused"),
    exception.AnswerTooLarge(what="The archive", limit=10, size=""),
    exception.InvalidParameter(reason="bad"),
    exception.DockerError(explanation="boom"),
]


class _Raiser:
    target = messaging.Target(namespace="test_remote_errors",
                              version="1.0")

    def fail(self, context, index):
        raise KINDS[index]


@pytest.fixture(scope="module")
def remote():
    """A real RPC server on the in-process bus whose method raises."""
    conf = shared.make_conf()
    transport = rpc.get_transport(conf)
    topic = "test-remote-errors-" + uuid.uuid4().hex[:8]
    server = rpc.get_server(transport, messaging.Target(
        topic=topic, server="here"), [_Raiser()])
    server.start()
    client = rpc.get_client(transport, messaging.Target(
        topic=topic, server="here", namespace="test_remote_errors"),
        timeout=10)
    yield client
    server.stop()
    server.wait()
    transport.cleanup()


@pytest.mark.parametrize("index", range(len(KINDS)),
                         ids=[type(k).__name__ for k in KINDS])
def test_a_remote_error_answers_as_the_local_one(remote, index):
    context = ml_context.RequestContext(project_id="p", user_id="u")
    with pytest.raises(exception.MagnumLiteError) as raised:
        remote.call(context, "fail", index=index)
    assert type(raised.value).__name__.endswith("_Remote")
    assert "Traceback" in str(raised.value)  # what oslo.messaging makes

    request = webob.Request.blank("/v1/containers/x/execute")
    request.environ[errors.REQUEST_ID_KEY] = "req-1"
    remote_answer = errors.to_response(request, raised.value).json
    local_answer = errors.to_response(request, KINDS[index]).json
    assert remote_answer == local_answer
    [error] = remote_answer["errors"]
    assert "Traceback" not in error["title"] + error["detail"]
    assert ".py" not in error["title"] + error["detail"]
    assert not error["code"].endswith("_remote")
