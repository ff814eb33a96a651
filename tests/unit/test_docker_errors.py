"""docker-py and requests errors become ours, by type and status."""
import json
import socket
import threading

import docker
from oslo_config import cfg
import pytest
import requests

from magnum_lite import conf as ml_conf
from magnum_lite import exception
from magnum_lite.docker import client as docker_client
from magnum_lite.docker import driver as docker_driver

URL = "unix:///run/test-docker.sock"


def api_error(status, message, reason="Reason"):
    """An APIError as docker-py builds it from a real HTTP response."""
    response = requests.Response()
    response.status_code = status
    response.reason = reason
    response.url = "http+docker://localhost/v1.41/containers/x/json"
    response._content = json.dumps({"message": message}).encode()
    http_error = requests.exceptions.HTTPError(response=response)
    try:
        docker.errors.create_api_error_from_http_exception(http_error)
    except docker.errors.APIError as exc:
        return exc
    raise AssertionError("docker-py did not raise")


def translated(exc, image=None):
    with (pytest.raises(exception.MagnumLiteError) as info,
          docker_client.translate_errors(URL, image=image)):
        raise exc
    assert info.value.__cause__ is exc
    return info.value


@pytest.mark.parametrize("status, cls", [
    (400, exception.DockerInvalid),
    (404, exception.DockerNotFound),
    (409, exception.DockerConflict),
    (500, exception.DockerError),
    (503, exception.DockerError),
])
def test_status_decides_the_class(status, cls):
    error = translated(api_error(status, "what Docker said"))
    assert type(error) is cls
    assert error.kwargs["explanation"] == "what Docker said"
    assert "what Docker said" in str(error)
    assert "Traceback" not in str(error)


def test_wording_is_never_used_to_classify():
    # Docker's text is carried, never parsed: these keep their status' class.
    assert type(translated(api_error(409, "No such container: x"))) is \
        exception.DockerConflict
    assert type(translated(api_error(500, "Conflict. name in use"))) is \
        exception.DockerError
    assert type(translated(api_error(400, "connection refused"))) is \
        exception.DockerInvalid


def test_docker_image_not_found_is_our_image_not_found():
    exc = docker.errors.ImageNotFound(
        "404", response=api_error(404, "x").response,
        explanation="No such image: nothere:1")
    error = translated(exc)
    assert type(error) is exception.ImageNotFound
    assert str(error) == "No such image: nothere:1"
    assert error.code == 404


def test_404_about_an_image_is_image_not_found():
    error = translated(api_error(404, "manifest unknown"), image="app:9")
    assert type(error) is exception.ImageNotFound
    assert error.kwargs == {"image": "app:9", "reason": "manifest unknown"}


def test_other_status_about_an_image_keeps_its_class():
    error = translated(api_error(500, "dial tcp: refused"), image="app:9")
    assert type(error) is exception.DockerError


def test_missing_explanation_falls_back_to_http_reason():
    exc = docker.errors.APIError("boom", response=api_error(500, "").response,
                                 explanation=None)
    error = translated(exc)
    assert error.kwargs["explanation"] == "500 Reason"


@pytest.mark.parametrize("exc", [
    requests.exceptions.ConnectionError("refused"),
    requests.exceptions.ReadTimeout("read timed out"),
    requests.exceptions.ConnectTimeout("connect timed out"),
    requests.exceptions.ChunkedEncodingError("connection broken"),
    ConnectionRefusedError(111, "Connection refused"),
    FileNotFoundError(2, "No such file or directory"),
    TimeoutError("timed out"),  # what a socket's timeout raises
])
def test_unreachable_engine_is_unavailable(exc):
    error = translated(exc)
    assert type(error) is exception.DockerUnavailable
    assert error.kwargs["url"] == URL
    assert error.code == 503


def test_failed_version_negotiation_is_unavailable():
    # What docker-py raises when 'auto' cannot reach the engine.
    try:
        try:
            raise requests.exceptions.ConnectionError("refused")
        except requests.exceptions.ConnectionError as cause:
            raise docker.errors.DockerException("Error while fetching") \
                from cause
    except docker.errors.DockerException as exc:
        assert type(translated(exc)) is exception.DockerUnavailable


@pytest.mark.parametrize("exc", [
    docker.errors.InvalidArgument("bad argument"),
    docker.errors.InvalidVersion("too old"),
    requests.exceptions.InvalidURL("bad url"),
])
def test_other_library_errors_are_docker_errors(exc):
    error = translated(exc)
    assert type(error) is exception.DockerError
    assert error.kwargs["explanation"] == str(exc)


def test_unrelated_errors_pass_through():
    with pytest.raises(KeyError), docker_client.translate_errors(URL):
        raise KeyError("ours")


# A real client, a real socket path with no engine behind it.

def make_conf(**docker_opts):
    conf = ml_conf.register_opts(cfg.ConfigOpts())
    conf([], project="magnum_lite", default_config_files=[])
    for name, value in docker_opts.items():
        conf.set_override(name, value, group="docker")
    return conf


def test_no_engine_at_socket_when_negotiating(tmp_path):
    url = f"unix://{tmp_path}/nothing.sock"
    with pytest.raises(exception.DockerUnavailable) as info:
        docker_client.DockerHTTPClient.from_conf(make_conf(api_url=url))
    assert info.value.kwargs["url"] == url
    assert "No such file or directory" in info.value.kwargs["reason"]


def test_no_engine_at_socket_on_first_call(tmp_path):
    url = f"unix://{tmp_path}/nothing.sock"
    driver = docker_driver.DockerDriver.from_conf(
        make_conf(api_url=url, docker_remote_api_version="1.41"))
    with pytest.raises(exception.DockerUnavailable):
        driver.info()
    with pytest.raises(exception.DockerUnavailable):
        driver.remove("some-container")


def test_silent_engine_times_out_as_unavailable(tmp_path):
    # The kernel accepts the connection into the backlog; nothing answers.
    path = str(tmp_path / "silent.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    try:
        driver = docker_driver.DockerDriver.from_conf(make_conf(
            api_url=f"unix://{path}", docker_remote_api_version="1.41",
            default_timeout=1))
        with pytest.raises(exception.DockerUnavailable) as info:
            driver.inspect("x")
        assert "timed out" in info.value.kwargs["reason"]
    finally:
        listener.close()


def test_engine_closing_mid_answer_is_unavailable(tmp_path):
    path = str(tmp_path / "rude.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)

    def hang_up():
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    try:
        client = docker_client.DockerHTTPClient(f"unix://{path}",
                                                version="1.41", timeout=5)
        with pytest.raises(exception.DockerUnavailable):
            docker_driver.DockerDriver(client).inspect("x")
    finally:
        thread.join(5)
        listener.close()


def test_tls_settings_reach_the_client(tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("not checked until a connection")
    conf = make_conf(api_url="tcp://127.0.0.1:2376",
                     docker_remote_api_version="1.41",
                     ca_file=str(tmp_path / "ca.pem"),
                     cert_file=str(tmp_path / "cert.pem"),
                     key_file=str(tmp_path / "key.pem"))
    client = docker_client.DockerHTTPClient.from_conf(conf)
    assert client.base_url == "https://127.0.0.1:2376"
    assert client.verify == str(tmp_path / "ca.pem")
    assert client.cert == (str(tmp_path / "cert.pem"),
                           str(tmp_path / "key.pem"))

    conf.set_override("api_insecure", True, group="docker")
    assert docker_client.DockerHTTPClient.from_conf(conf).verify is False


def test_plain_tcp_without_tls_settings():
    conf = make_conf(api_url="tcp://127.0.0.1:2375",
                     docker_remote_api_version="1.41", default_timeout=7)
    client = docker_client.DockerHTTPClient.from_conf(conf)
    assert client.base_url == "http://127.0.0.1:2375"
    assert client.timeout == 7
    assert client.api_version == "1.41"
