"""The OpenAPI document declares what every route and method answers: its
success with the body's schema, and each error status with the API-SIG
body, so a handler added without its spec fails here."""
import pytest
import schemathesis

from magnum_lite.api import openapi
from magnum_lite.api import routes
from magnum_lite.api import answers

OPERATIONS = [(template, method, handler)
              for template, methods in routes.ROUTES.items()
              for method, handler in methods.items()]


def _label(template, method):
    return f"{method} {template}"


def _responses(template, method):
    """{status: response} of an operation, each $ref resolved."""
    document = openapi.document()
    responses = {}
    for status, response in document["paths"][template][method.lower()][
            "responses"].items():
        if "$ref" in response:
            response = document["components"]["responses"][
                response["$ref"].rsplit("/", 1)[-1]]
        responses[status] = response
    return responses


def _bare_objects(schema, where="#"):
    """Where `schema` says only "an object", not which."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _bare_objects(item, f"{where}/{index}")
        return
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    if (types == "object" or isinstance(types, list) and "object" in types):
        if not {"properties", "additionalProperties", "maxProperties",
                "propertyNames", "const"} & set(schema):
            yield where
    for key, value in schema.items():
        yield from _bare_objects(value, f"{where}/{key}")


def test_the_document_is_valid_openapi():
    schemathesis.openapi.from_dict(openapi.document()).validate()


def test_every_handler_declares_its_spec():
    for template, method, handler in OPERATIONS:
        assert hasattr(handler, "spec"), _label(template, method)


@pytest.mark.parametrize("template, method, handler", OPERATIONS,
                         ids=[_label(t, m) for t, m, _ in OPERATIONS])
def test_every_operation_declares_its_answers(template, method, handler):
    responses = _responses(template, method)
    successes = [status for status in responses if status.startswith("2")]
    assert successes == [str(handler.spec["status"])]
    for status, response in responses.items():
        assert response["description"], status
        if "content" not in response:
            # Only a success may come without a body; an error never does.
            assert status in successes and handler.spec["returns"] is None
            continue
        assert list(response["content"]) == ["application/json"], status
        schema = response["content"]["application/json"]["schema"]
        assert list(_bare_objects(schema)) == [], status
        if not status.startswith("2"):
            assert schema == answers.error(int(status))


@pytest.mark.parametrize("template, method, handler", OPERATIONS,
                         ids=[_label(t, m) for t, m, _ in OPERATIONS])
def test_every_operation_declares_the_errors_it_can_meet(
        template, method, handler):
    declared = {int(s) for s in _responses(template, method)
                if not s.startswith("2")}
    assert set(openapi.ANY_REQUEST) <= declared
    assert (set(openapi.AUTHENTICATED) <= declared) == (
        template not in routes.PUBLIC)
    operation = openapi.document()["paths"][template][method.lower()]
    assert (415 in declared) == ("requestBody" in operation)
    # A path that names something may name nothing there is; a container
    # is also named by a name several containers of a project share, and
    # its status may forbid the action (util.container, lifecycle.check).
    if "{" in template:
        assert 404 in declared
    if "{container_ident}" in template:
        assert 409 in declared


def test_a_container_body_requires_all_but_the_fields_policy_hides():
    hidden = {"host", "image_pull_policy", "privileged", "runtime"}
    assert set(answers.CONTAINER["properties"]) - set(
        answers.CONTAINER["required"]) == hidden
