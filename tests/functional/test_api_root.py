"""Version discovery, microversion negotiation, routing, and the OpenAPI
document, as python-zunclient and other clients meet them."""
import pytest
import webob

from magnum_lite.api import microversion
from magnum_lite.api import routes
from magnum_lite.api import schemas

from tests.functional.api_fixtures import Client
from tests.functional.api_fixtures import error_of

pytest_plugins = ["tests.functional.api_fixtures"]

VERSION = "OpenStack-API-Version"


def test_root_is_the_versions_document_zunclient_reads(api):
    response = api.as_(version=None).get("/")
    assert response.status_int == 200
    [v1] = response.json["versions"]
    assert v1["id"] == "v1"
    assert v1["status"] == "CURRENT"
    assert (v1["min_version"], v1["max_version"]) == ("1.1", "1.40")
    assert v1["links"][0]["href"] == "http://localhost/v1/"


def test_v1_describes_its_resources(api):
    body = api.get("/v1").json
    assert body["id"] == "v1"
    for resource in ("containers", "images", "hosts", "services"):
        assert body[resource][0]["href"] == \
            f"http://localhost/v1/{resource}/"
    described_by = [link for link in body["links"]
                    if link["rel"] == "describedby"]
    assert described_by[0]["href"] == "http://localhost/v1/openapi.json"


@pytest.mark.parametrize("header, answered", [
    (None, "container 1.1"),
    ("container 1.1", "container 1.1"),
    ("container 1.20", "container 1.20"),
    ("container latest", "container 1.40"),
    ("container LATEST", "container 1.40"),
    ("compute 2.90", "container 1.1"),
    ("compute 2.90, container 1.25", "container 1.25"),
])
def test_microversion_is_negotiated_and_answered(app, header, answered):
    headers = {VERSION: header} if header else {}
    response = Client(app, version=None).get("/v1/containers",
                                             headers=headers)
    assert response.status_int == 200
    assert response.headers[VERSION] == answered
    assert VERSION in response.headers["Vary"]
    assert response.headers["OpenStack-API-Minimum-Version"] == \
        "container 1.1"
    assert response.headers["OpenStack-API-Maximum-Version"] == \
        "container 1.40"


@pytest.mark.parametrize("version", ["1.0", "1.41", "2.1", "0.9"])
def test_version_out_of_range_is_406(api, version):
    response = api.as_(version=version).get("/v1/containers")
    assert response.status_int == 406
    error = error_of(response)
    assert "1.1" in error["detail"] and "1.40" in error["detail"]
    assert response.headers["OpenStack-API-Maximum-Version"] == \
        "container 1.40"


@pytest.mark.parametrize("version", ["1", "1.x", "one.two", ""])
def test_malformed_version_is_400(api, version):
    response = api.get("/v1/containers",
                       headers={VERSION: "container " + version})
    assert response.status_int == 400
    assert VERSION in error_of(response)["detail"]


@pytest.mark.parametrize("path", ["/v1/containers/", "/v1/images/",
                                  "/v1/hosts/", "/v1/services/",
                                  "/v1/containers"])
def test_list_paths_answer_with_or_without_trailing_slash(admin, path):
    assert admin.get(path).status_int == 200


def test_bookmark_links_without_v1_reach_the_resource(api, make_container):
    container = make_container()
    bookmark = api.get(f"/v1/containers/{container.uuid}").json["links"][1]
    assert bookmark["rel"] == "bookmark"
    path = bookmark["href"].removeprefix("http://localhost")
    assert path == f"/containers/{container.uuid}"
    assert api.get(path).json["uuid"] == container.uuid


def test_unknown_url_is_404_in_the_error_format(api):
    response = api.get("/v1/nothing/here")
    assert response.status_int == 404
    assert "/v1/nothing/here" in error_of(response)["detail"]


def test_wrong_method_is_405_with_allow(api, make_container):
    container = make_container()
    response = api.request("PUT", f"/v1/containers/{container.uuid}")
    assert response.status_int == 405
    assert response.headers["Allow"] == "DELETE, GET, PATCH"
    assert error_of(response)["code"] == "magnum_lite.method_not_allowed"
    assert api.get(f"/v1/containers/{container.uuid}/start"
                   ).status_int == 405


def test_every_answer_carries_a_request_id(api):
    for response in (api.get("/"), api.get("/v1/containers"),
                     api.get("/nope"), api.as_(version="9.9").get("/")):
        assert response.headers["X-OpenStack-Request-Id"].startswith("req-")


def test_healthcheck_answers_without_credentials(app):
    response = webob.Request.blank("/healthcheck").get_response(app)
    assert response.status_int == 200


def test_openapi_document_is_built_from_the_validating_schemas(api):
    document = api.get("/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    for template, methods in routes.ROUTES.items():
        assert set(document["paths"][template]) == {
            method.lower() for method in methods}
    create = document["paths"]["/v1/containers"]["post"]
    assert create["responses"]["202"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == schemas.container_create(microversion.MAX_VERSION)
    listing = document["paths"]["/v1/containers"]["get"]
    query = {p["name"]: p["schema"] for p in listing["parameters"]
             if p["in"] == "query"}
    assert query == schemas.CONTAINER_LIST_QUERY["properties"]
